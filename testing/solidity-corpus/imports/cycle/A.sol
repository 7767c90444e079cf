pragma solidity 0.8.24;

import "./B.sol";

// A and B import each other: resolution must terminate. `fromChief` is declared in B.sol,
// so `pause` is known to be protected only through the import.
contract A {
    address internal chief;
}

contract C is B {
    function pause() external fromChief {
        stopped = true;
    }
}
