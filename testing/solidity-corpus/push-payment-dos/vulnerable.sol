pragma solidity 0.8.24;

contract Auction {
    address payable public leader;
    uint256 public bid;

    function outbid() external payable {
        require(msg.value > bid);
        require(leader.send(bid)); // expect: sol-push-payment-dos
        leader = payable(msg.sender);
        bid = msg.value;
    }
}
