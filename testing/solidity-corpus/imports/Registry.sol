pragma solidity 0.8.24;

// npm-style: found under node_modules/ of an ancestor directory
import "@acme/auth/contracts/Guarded.sol";
// a remapped library path: found by its tail among the scanned files (lib/guards/src/Steward.sol)
import "guards/Steward.sol";

contract Registry is Guarded, Steward {
    bool public paused;

    function pause() external ratified {
        paused = true;
    }

    function unpause() external stewarded {
        paused = false;
    }
}
