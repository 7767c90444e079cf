pragma solidity ^0.4.25; // expect: sol-outdated-pragma sol-floating-pragma

contract Roulette {
    uint public pastBlockTime;

    constructor() public payable {}

    function spin() external payable {
        require(msg.value == 10 ether);
        require(now != pastBlockTime);
        pastBlockTime = now;
        if (now % 15 == 0) { // expect: sol-timestamp-dependence sol-weak-prng
            msg.sender.transfer(this.balance);
        }
    }
}

contract Governmental {
    address public lastInvestor;
    uint public jackpot;
    uint public lastInvestmentTimestamp;
    uint constant ONE_MINUTE = 1 minutes;

    function invest() public payable {
        require(msg.value >= jackpot / 2);
        lastInvestor = msg.sender;
        jackpot += msg.value / 2;
        lastInvestmentTimestamp = block.timestamp;
    }

    function resetInvestment() public {
        if (block.timestamp < lastInvestmentTimestamp + ONE_MINUTE) // expect: sol-timestamp-dependence
            throw;
        lastInvestor.send(jackpot); // expect: sol-unchecked-send
        lastInvestor = 0;
        jackpot = 0;
    }
}

contract Auction {
    address public highest;
    uint public bid;
    uint public ends;

    function close() public {
        require(block.timestamp >= ends - 30); // expect: sol-timestamp-dependence
        highest.transfer(bid);
    }
}

contract EtherLotto {
    uint constant TICKET_AMOUNT = 10;
    address public bank;
    uint public pot;

    function play() public payable {
        require(msg.value == TICKET_AMOUNT);
        pot += msg.value;
        var random = uint(sha3(block.timestamp)) % 2; // expect: sol-weak-prng sol-timestamp-dependence
        if (random == 0) {
            bank.transfer(TICKET_AMOUNT);
            msg.sender.transfer(pot - TICKET_AMOUNT);
            pot = 0;
        }
    }
}

// the window is set in one function and checked in another
contract LastBidder {
    address public leader;
    uint public deadline;

    function bid() public payable {
        require(msg.value >= 0.1 ether);
        leader = msg.sender;
        deadline = now + 5 minutes;
    }

    function end() public {
        require(now > deadline); // expect: sol-timestamp-dependence
        leader.transfer(this.balance); // expect: sol-push-payment-dos
    }
}
