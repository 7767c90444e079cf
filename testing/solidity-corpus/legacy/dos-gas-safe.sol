pragma solidity ^0.4.24; // expect: sol-outdated-pragma sol-floating-pragma

// Look-alikes: the numbers are reset instead of the array (`numDeposits = 0`), refunds are
// booked for withdrawal, and the owner's own list is cleared.
contract PyramidSafe {
    uint[] public deposits;
    uint numDeposits;
    address[] admins;
    address owner;

    function PyramidSafe() public {
        owner = msg.sender;
    }

    function record(uint value) public {
        if (numDeposits == deposits.length) {
            deposits.length += 1;
        }
        deposits[numDeposits++] = value;
    }

    function restart() public {
        require(numDeposits > 1500);
        numDeposits = 0;
    }

    function addAdmin(address a) public {
        require(msg.sender == owner);
        admins.push(a);
    }

    function clearAdmins() public {
        require(msg.sender == owner);
        admins.length = 0;
    }
}

contract LotterySafe {
    address[] players;
    mapping(address => uint) refunds;
    address owner;
    uint public round;

    function LotterySafe() public {
        owner = msg.sender;
    }

    function enter() public payable {
        require(msg.value == 1 ether);
        players.push(msg.sender);
        refunds[msg.sender] += 1 ether;
    }

    // every player pulls their own refund
    function withdrawRefund() public {
        uint amount = refunds[msg.sender];
        refunds[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}
