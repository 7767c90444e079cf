pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract SafeWallet {
    struct Holder {
        uint unlockTime;
        uint balance;
    }

    mapping(address => Holder) public accounts;
    mapping(address => uint) public credit;

    function put() public payable {
        var acc = accounts[msg.sender];
        require(acc.balance + msg.value >= acc.balance);
        acc.balance += msg.value;
    }

    // effects before the interaction
    function collect(uint _am) public {
        var acc = accounts[msg.sender];
        require(acc.balance >= _am);
        acc.balance -= _am;
        require(msg.sender.call.value(_am)());
    }

    // `transfer` forwards 2300 gas: no re-entry
    function withdraw() public {
        uint amount = credit[msg.sender];
        require(amount > 0);
        msg.sender.transfer(amount);
        credit[msg.sender] = 0;
    }

    // a memory copy is not state
    function peek(uint _am) public {
        Holder memory copy = accounts[msg.sender];
        require(msg.sender.call.value(0)());
        copy.balance -= _am;
    }
}
