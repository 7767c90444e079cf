pragma solidity 0.8.24;

contract Game {
    address public winner;
    uint256 public pot;

    function play() external payable {
        require(msg.value == 1 ether);
        pot += msg.value;
        if (pot >= 7 ether) {
            winner = msg.sender;
        }
    }

    function isEmpty() external view returns (bool) {
        return address(this).balance == 0;
    }

    function withdraw() external {
        require(msg.sender == winner);
        payable(msg.sender).transfer(address(this).balance);
    }
}
