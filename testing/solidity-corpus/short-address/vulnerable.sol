pragma solidity ^0.4.11; // expect: sol-outdated-pragma sol-floating-pragma

contract MyToken {
    mapping(address => uint) balances;

    event Transfer(address indexed _from, address indexed _to, uint256 _value);

    function MyToken() public {
        balances[tx.origin] = 10000;
    }

    function sendCoin(address to, uint amount) public returns (bool sufficient) { // expect: sol-short-address
        if (balances[msg.sender] < amount) return false;
        balances[msg.sender] -= amount;
        balances[to] += amount; // expect: sol-integer-overflow
        Transfer(msg.sender, to, amount);
        return true;
    }

    function getBalance(address addr) public constant returns (uint) {
        return balances[addr];
    }
}
