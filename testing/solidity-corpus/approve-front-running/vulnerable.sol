pragma solidity 0.8.24;

contract Token {
    mapping(address => mapping(address => uint256)) public allowance;

    function approve(address spender, uint256 value) external returns (bool) { // expect: sol-approve-front-running
        allowance[msg.sender][spender] = value;
        return true;
    }
}
