pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Counter {
    uint public count = 1;

    function add(uint256 input) public {
        require(count + input >= count);
        count += input;
    }

    function sub(uint256 input) public {
        require(input <= count);
        count -= input;
        uint res = count + 1;
    }
}

contract Token {
    mapping(address => uint) balances;

    function transfer(address _to, uint _value) public returns (bool) { // expect: sol-short-address
        require(balances[msg.sender] >= _value);
        require(balances[_to] + _value >= balances[_to]);
        balances[msg.sender] -= _value;
        balances[_to] += _value;
        return true;
    }

    function price(uint256 n) public pure returns (uint256) {
        return n + 1;
    }
}
