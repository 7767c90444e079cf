pragma solidity 0.8.24;

import "./A.sol";

contract B is A {
    bool internal stopped;

    modifier fromChief() {
        require(msg.sender == chief);
        _;
    }
}
