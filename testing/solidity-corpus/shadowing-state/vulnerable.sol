pragma solidity 0.8.24;

contract Base {
    address public owner;

    function isOwner() public view returns (bool) {
        return msg.sender == owner;
    }
}

contract Derived is Base {
    address public owner; // expect: sol-shadowing-state

    constructor() {
        owner = msg.sender;
    }
}
