pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Rubixi {
    address private creator;

    function rubixi() public { // expect: sol-constructor-name sol-missing-access-control
        creator = msg.sender;
    }
}
