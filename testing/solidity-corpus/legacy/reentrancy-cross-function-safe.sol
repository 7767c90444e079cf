pragma solidity ^0.4.18; // expect: sol-floating-pragma sol-outdated-pragma

// The same bank with the mutex on both functions, and a second one that zeroes first.
contract SharedMutexBank {
    mapping (address => uint) userBalances;
    bool mutexLocked;

    modifier mutex() {
        require(!mutexLocked);
        mutexLocked = true;
        _;
        mutexLocked = false;
    }

    function addToBalance() payable {
        require(userBalances[msg.sender] + msg.value >= userBalances[msg.sender]);
        userBalances[msg.sender] += msg.value;
    }

    function moveBalance(address to) mutex {
        uint amount = userBalances[msg.sender];
        if (amount > 0) {
            userBalances[msg.sender] = 0;
            userBalances[to] = amount;
        }
    }

    function withdrawBalance() mutex {
        uint amountToWithdraw = userBalances[msg.sender];
        if (!(msg.sender.call.value(amountToWithdraw)())) { throw; }
        userBalances[msg.sender] = 0;
    }
}

contract ZeroFirstBank {
    mapping (address => uint) userBalances;
    bool mutexLocked;

    modifier mutex() {
        require(!mutexLocked);
        mutexLocked = true;
        _;
        mutexLocked = false;
    }

    function addToBalance() payable {
        require(userBalances[msg.sender] + msg.value >= userBalances[msg.sender]);
        userBalances[msg.sender] += msg.value;
    }

    function moveBalance(address to) {
        uint amount = userBalances[msg.sender];
        if (amount > 0) {
            userBalances[msg.sender] = 0;
            userBalances[to] = amount;
        }
    }

    function withdrawBalance() mutex {
        uint amountToWithdraw = userBalances[msg.sender];
        userBalances[msg.sender] = 0;
        if (!(msg.sender.call.value(amountToWithdraw)())) { throw; }
    }
}
