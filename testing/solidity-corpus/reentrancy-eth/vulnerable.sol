pragma solidity 0.8.24;

// The classic withdraw: pay first, zero the balance after.
contract Bank {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // expect: sol-reentrancy-eth
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }

    // the write happens in an internal helper called after the payment
    function withdrawVia() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = payable(msg.sender).call{value: amount}(""); // expect: sol-reentrancy-eth
        require(ok);
        _clear(msg.sender);
    }

    function _clear(address who) internal {
        balances[who] = 0;
    }
}

// the textbook version: a balance check on msg.sender is not access control
contract EtherStore {
    mapping(address => uint256) public balances;

    function deposit() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdrawFunds(uint256 _weiToWithdraw) public {
        require(balances[msg.sender] >= _weiToWithdraw);
        (bool ok, ) = msg.sender.call{value: _weiToWithdraw}(""); // expect: sol-reentrancy-eth
        require(ok);
        balances[msg.sender] -= _weiToWithdraw;
    }
}

// through a storage reference
contract OldBank {
    struct Account { uint256 balance; }
    mapping(address => Account) accounts;

    function deposit() external payable {
        accounts[msg.sender].balance += msg.value;
    }

    function withdraw(uint256 amount) external {
        Account storage a = accounts[msg.sender];
        require(a.balance >= amount);
        (bool ok, ) = msg.sender.call{value: amount}(""); // expect: sol-reentrancy-eth
        require(ok);
        a.balance -= amount;
    }
}
