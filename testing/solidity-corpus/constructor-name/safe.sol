pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Rubixi {
    address private creator;

    constructor() public {
        creator = msg.sender;
    }
}

contract Legacy {
    address private creator;

    function Legacy() public {
        creator = msg.sender;
    }
}
