pragma solidity 0.8.24;

// The previous leader is refunded in the same transaction that replaces it: a leader that
// rejects ETH can never be outbid.
contract StructAuction {
    struct Bid {
        address payable bidder;
        uint256 amount;
    }

    Bid public highest;

    function bid() external payable {
        require(msg.value > highest.amount, "too low");
        if (highest.bidder != address(0)) {
            highest.bidder.transfer(highest.amount); // expect: sol-push-payment-dos
        }
        highest.bidder = payable(msg.sender);
        highest.amount = msg.value;
    }
}

contract Throne {
    address payable public king;
    uint256 public prize;

    function claim() external payable {
        require(msg.value > prize, "too low");
        uint256 refund = prize;
        prize = msg.value;
        address payable previous = king;
        king = payable(msg.sender);
        (bool ok, ) = previous.call{value: refund}(""); // expect: sol-push-payment-dos
        require(ok, "refund failed");
    }

    function claimAgain() external payable {
        require(msg.value > prize, "too low");
        (bool ok, ) = king.call{value: prize}(""); // expect: sol-push-payment-dos sol-reentrancy-eth
        require(ok, "refund failed");
        king = payable(msg.sender);
        prize = msg.value;
    }
}
