pragma solidity 0.8.24;

contract Base {
    address public owner;
}

contract Derived is Base {
    address public admin;

    constructor() {
        owner = msg.sender;
        admin = msg.sender;
    }
}
