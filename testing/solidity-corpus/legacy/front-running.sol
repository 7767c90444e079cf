pragma solidity ^0.4.22; // expect: sol-outdated-pragma sol-floating-pragma

contract FindThisHash {
    bytes32 constant public hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;

    constructor() public payable {}

    function solve(string solution) public {
        require(hash == sha3(solution)); // expect: sol-front-runnable-secret
        msg.sender.transfer(1000 ether);
    }
}

contract ERC20 {
    mapping(address => mapping(address => uint256)) public allowed;

    function approve(address _spender, uint256 _value) public returns (bool success) { // expect: sol-approve-front-running
        allowed[msg.sender][_spender] = _value;
        return true;
    }
}
