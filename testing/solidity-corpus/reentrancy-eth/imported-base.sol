pragma solidity 0.8.24;

import "./Ledger.sol";

// `credit` is declared in a base contract of another file
contract Bank is Ledger {
    function withdraw() external {
        (bool ok, ) = msg.sender.call{value: credit[msg.sender]}(""); // expect: sol-reentrancy-eth
        require(ok);
        credit[msg.sender] = 0;
    }

    function withdrawSafely() external {
        uint256 c = credit[msg.sender];
        credit[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: c}("");
        require(ok);
    }
}
