pragma solidity 0.8.24;

// A base with a guard whose name says nothing about access: only its body shows it checks the
// caller, so the contracts inheriting it are protected only if this file is resolved.
abstract contract Gate {
    address internal boss;
    bool public paused;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    constructor() {
        boss = msg.sender;
    }

    modifier gated() {
        require(msg.sender == boss, "not the boss");
        _;
    }

    modifier whenLive() {
        require(!paused, "paused");
        _;
    }
}
