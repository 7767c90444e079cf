pragma solidity 0.8.24;

import "./access/Gate.sol";

// `gated` and `paused` come from the imported base: `pause` is protected, `unpause` is not
contract Vault is Gate {
    function pause() external gated {
        paused = true;
    }

    function unpause() external whenLive { // expect: sol-missing-access-control
        paused = false;
    }
}
