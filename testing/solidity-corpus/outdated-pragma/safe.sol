pragma solidity 0.8.19;

contract Current {
    uint256 public x;
}
