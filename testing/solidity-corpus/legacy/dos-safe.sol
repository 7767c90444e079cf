pragma solidity 0.4.24; // expect: sol-outdated-pragma

// pull payments: a failing recipient only blocks itself
contract Auction {
    address public highest;
    uint public highestBid;
    mapping(address => uint) public pending;

    function bid() public payable {
        require(msg.value > highestBid);
        pending[highest] += highestBid;
        highest = msg.sender;
        highestBid = msg.value;
    }

    function withdraw() public {
        uint amount = pending[msg.sender];
        pending[msg.sender] = 0;
        msg.sender.transfer(amount);
    }
}
