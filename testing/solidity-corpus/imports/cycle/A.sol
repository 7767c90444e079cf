pragma solidity 0.8.24;

import "./B.sol";

// A and B import each other: resolution must terminate
contract A {
    address internal admin;

    modifier fromAdmin() {
        require(msg.sender == admin);
        _;
    }
}

contract C is B {
    function pause() external fromAdmin {
        stopped = true;
    }
}
