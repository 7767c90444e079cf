pragma solidity 0.8.24;

contract Broken {
    function f() external {
        uint256 x = ; // expect: sol-parse-error
    }
}
