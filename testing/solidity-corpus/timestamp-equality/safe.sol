pragma solidity 0.8.24;

contract Auction {
    uint256 public end;
    address public winner;

    function claim() external {
        require(block.timestamp >= end, "too early");
        winner = msg.sender;
    }
}
