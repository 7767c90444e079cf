pragma solidity 0.8.24;

contract Auction {
    uint256 public end;
    address public winner;

    function claim() external {
        require(block.timestamp == end, "not the moment"); // expect: sol-timestamp-equality
        winner = msg.sender;
    }
}
