pragma solidity ^0.4.18; // expect: sol-outdated-pragma sol-floating-pragma

contract Counter {
    uint public count = 1;

    function add(uint256 input) public {
        count += input; // expect: sol-integer-overflow
    }

    function mul(uint256 input) public {
        count *= input; // expect: sol-integer-overflow
    }

    function sub(uint256 input) public {
        count -= input; // expect: sol-integer-overflow
    }

    function benign(uint256 input) public {
        uint res = count - input; // expect: sol-integer-overflow
    }
}

contract TimeLock {
    mapping(address => uint) public balances;
    mapping(address => uint) public lockTime;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
        lockTime[msg.sender] = now + 1 weeks;
    }

    function increaseLockTime(uint _secondsToIncrease) public {
        lockTime[msg.sender] += _secondsToIncrease; // expect: sol-integer-overflow
    }

    function withdraw() public {
        require(balances[msg.sender] > 0);
        require(now > lockTime[msg.sender]);
        uint amount = balances[msg.sender];
        balances[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}

contract TokenSale {
    mapping(address => uint256) public balanceOf;
    uint256 constant PRICE_PER_TOKEN = 1 ether;

    function buy(uint256 numTokens) public payable {
        require(msg.value == numTokens * PRICE_PER_TOKEN); // expect: sol-integer-overflow
        balanceOf[msg.sender] += numTokens; // expect: sol-integer-overflow
    }

    function sell(uint256 numTokens) public {
        require(balanceOf[msg.sender] >= numTokens);
        balanceOf[msg.sender] -= numTokens;
        msg.sender.transfer(numTokens * PRICE_PER_TOKEN);
    }
}

contract Token {
    mapping(address => uint) balances;

    // `x - v >= 0` always holds for an unsigned value: no check at all
    function transfer(address _to, uint _value) public returns (bool) { // expect: sol-short-address
        require(balances[msg.sender] - _value >= 0);
        balances[msg.sender] -= _value; // expect: sol-integer-overflow
        balances[_to] += _value; // expect: sol-integer-overflow
        return true;
    }
}
