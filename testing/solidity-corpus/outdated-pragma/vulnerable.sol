pragma solidity >=0.5.0 <0.7.0; // expect: sol-outdated-pragma sol-floating-pragma

contract Old {
    uint256 public x;
}
