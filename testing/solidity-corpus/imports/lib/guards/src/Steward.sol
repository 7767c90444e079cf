pragma solidity 0.8.24;

abstract contract Steward {
    address public steward;

    constructor() {
        steward = msg.sender;
    }

    modifier stewarded() {
        require(msg.sender == steward);
        _;
    }
}
