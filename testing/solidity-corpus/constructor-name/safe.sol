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

// a getter named like its contract, next to a real constructor
contract Whitelist {
    mapping(address => bool) public listed;

    constructor() public {
        listed[msg.sender] = true;
    }

    function whitelist(address a) public view returns (bool) {
        return listed[a];
    }
}
