pragma solidity 0.8.24;

contract Auction {
    address payable public leader;
    uint256 public bid;
    mapping(address => uint256) public refunds;

    function outbid() external payable {
        require(msg.value > bid);
        refunds[leader] += bid;
        leader = payable(msg.sender);
        bid = msg.value;
    }

    function withdrawRefund() external {
        uint256 r = refunds[msg.sender];
        refunds[msg.sender] = 0;
        payable(msg.sender).transfer(r);
    }
}
