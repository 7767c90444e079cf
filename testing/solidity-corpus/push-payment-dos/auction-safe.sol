pragma solidity 0.8.24;

// Look-alikes: a failed refund is booked for withdrawal, so a leader that rejects ETH only
// loses its own refund.
contract BookingThrone {
    address payable public king;
    uint256 public prize;
    mapping(address => uint256) public owed;

    function claim() external payable {
        require(msg.value > prize, "too low");
        if (!king.send(prize)) {
            owed[king] += prize;
        }
        king = payable(msg.sender);
        prize = msg.value;
    }

    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}

contract PullAuction {
    struct Bid {
        address bidder;
        uint256 amount;
    }

    Bid public highest;
    mapping(address => uint256) public refunds;

    function bid() external payable {
        require(msg.value > highest.amount, "too low");
        refunds[highest.bidder] += highest.amount;
        highest.bidder = msg.sender;
        highest.amount = msg.value;
    }

    function withdraw() external {
        uint256 amount = refunds[msg.sender];
        refunds[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}
