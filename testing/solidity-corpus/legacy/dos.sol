pragma solidity ^0.4.24; // expect: sol-outdated-pragma sol-floating-pragma

contract Auction {
    address currentFrontrunner;
    uint currentBid;

    function bid() public payable {
        require(msg.value > currentBid);
        if (currentFrontrunner != 0) {
            require(currentFrontrunner.send(currentBid)); // expect: sol-push-payment-dos
        }
        currentFrontrunner = msg.sender;
        currentBid = msg.value;
    }
}

contract Refunder {
    address[] private refundAddresses;
    mapping(address => uint) public refunds;

    function register() public payable {
        refundAddresses.push(msg.sender);
        refunds[msg.sender] += msg.value;
    }

    function refundAll() public {
        for (uint x; x < refundAddresses.length; x++) { // expect: sol-unbounded-loop
            require(refundAddresses[x].send(refunds[refundAddresses[x]])); // expect: sol-calls-loop sol-push-payment-dos
        }
    }
}
