// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Minimal Ownable for the on-chain watch test: emits OwnershipTransferred as OpenZeppelin's does.
contract Ownable {
    address public owner;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    function transferOwnership(address newOwner) external {
        require(msg.sender == owner, "not owner");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
