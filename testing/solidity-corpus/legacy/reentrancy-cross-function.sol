pragma solidity ^0.4.18; // expect: sol-floating-pragma sol-outdated-pragma

// 0.4-era cross-function reentrancy: the withdrawal is guarded by a hand-written mutex, the
// internal transfer is not, so the payee moves its balance away before it is zeroed.
contract MutexBank {
    mapping (address => uint) userBalances;
    bool mutexLocked;

    modifier mutex() {
        require(!mutexLocked);
        mutexLocked = true;
        _;
        mutexLocked = false;
    }

    function getBalance(address u) constant returns (uint) {
        return userBalances[u];
    }

    function addToBalance() payable {
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
        if (!(msg.sender.call.value(amountToWithdraw)())) { throw; } // expect: sol-reentrancy-eth
        userBalances[msg.sender] = 0;
    }
}
