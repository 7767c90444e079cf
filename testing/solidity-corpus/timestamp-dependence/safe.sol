pragma solidity 0.4.24; // expect: sol-outdated-pragma

// deadlines days away: a miner's few seconds of drift decide nothing
contract Vesting {
    address public beneficiary;
    uint public start;
    uint public amount;

    constructor(address b) public payable {
        beneficiary = b;
        start = now;
        amount = msg.value;
    }

    function release() public {
        require(now >= start + 365 days);
        beneficiary.transfer(amount);
    }

    function isOpen() public view returns (bool) {
        return now < start + 30 minutes;
    }
}

// a truncation to 32 bits is not a draw
contract Oracle {
    uint32 public last;

    function update() public {
        last = uint32(block.timestamp % 2**32);
    }
}

// a deadline a week away
contract SlowAuction {
    address public leader;
    uint public deadline;

    function bid() public payable {
        require(msg.value >= 0.1 ether);
        leader = msg.sender;
        deadline = now + 7 days;
    }

    function end() public {
        require(now > deadline);
        leader.transfer(address(this).balance); // expect: sol-push-payment-dos
    }
}
