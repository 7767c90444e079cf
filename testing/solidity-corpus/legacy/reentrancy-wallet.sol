pragma solidity ^0.4.19; // expect: sol-outdated-pragma sol-floating-pragma

contract Log {
    struct Message {
        address sender;
        string data;
        uint val;
        uint time;
    }

    Message[] public history;
    Message last;

    function add(address _adr, uint _val, string _data) public {
        last.sender = _adr;
        last.time = now;
        last.val = _val;
        last.data = _data;
        history.push(last);
    }
}

// a time-locked wallet: the account record is a storage alias (`var acc = accounts[..]`)
contract TimeWallet {
    struct Holder {
        uint unlockTime;
        uint balance;
    }

    mapping(address => Holder) public accounts;
    uint public minSum = 1 ether;
    Log log;

    function TimeWallet(address _log) public {
        log = Log(_log);
    }

    function put(uint _unlockTime) public payable {
        var acc = accounts[msg.sender];
        acc.balance += msg.value;
        acc.unlockTime = _unlockTime > now ? _unlockTime : now;
        log.add(msg.sender, msg.value, "put");
    }

    function collect(uint _am) public payable {
        var acc = accounts[msg.sender];
        if (acc.balance >= minSum && acc.balance >= _am && now > acc.unlockTime) {
            if (msg.sender.call.value(_am)()) { // expect: sol-reentrancy-eth
                acc.balance -= _am;
                log.add(msg.sender, _am, "collect");
            }
        }
    }

    function() public payable {
        put(0);
    }
}

contract EtherStore {
    uint256 public withdrawalLimit = 1 ether;
    mapping(address => uint256) public lastWithdrawTime;
    mapping(address => uint256) public balances;

    function depositFunds() public payable {
        balances[msg.sender] += msg.value;
    }

    function withdrawFunds(uint256 _weiToWithdraw) public {
        require(balances[msg.sender] >= _weiToWithdraw);
        require(_weiToWithdraw <= withdrawalLimit);
        require(now >= lastWithdrawTime[msg.sender] + 1 weeks);
        require(msg.sender.call.value(_weiToWithdraw)()); // expect: sol-reentrancy-eth
        balances[msg.sender] -= _weiToWithdraw;
        lastWithdrawTime[msg.sender] = now;
    }
}

contract Dao {
    mapping(address => uint) credit;

    function donate(address to) public payable {
        credit[to] += msg.value;
    }

    function withdraw(uint amount) public {
        if (credit[msg.sender] >= amount) {
            bool res = msg.sender.call.value(amount)(); // expect: sol-reentrancy-eth sol-unchecked-lowlevel
            credit[msg.sender] -= amount;
        }
    }

    function withdrawBalance() public {
        uint amountToWithdraw = credit[msg.sender];
        if (!(msg.sender.call.value(amountToWithdraw)())) { // expect: sol-reentrancy-eth
            throw;
        }
        credit[msg.sender] = 0;
    }
}
