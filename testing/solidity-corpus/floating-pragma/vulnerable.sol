pragma solidity ^0.8.0; // expect: sol-floating-pragma

contract Token {
    uint256 public supply;
}
