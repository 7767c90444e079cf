pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract MyToken {
    mapping(address => uint) balances;

    modifier onlyPayloadSize(uint size) {
        require(msg.data.length >= size + 4);
        _;
    }

    function transfer(address to, uint amount) public onlyPayloadSize(2 * 32) returns (bool) {
        require(balances[msg.sender] >= amount);
        require(balances[to] + amount >= balances[to]);
        balances[msg.sender] -= amount;
        balances[to] += amount;
        return true;
    }
}
