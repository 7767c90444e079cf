pragma solidity 0.8.24;

contract Game {
    address public winner;

    function play() external payable {
        require(msg.value == 1 ether);
        if (address(this).balance == 7 ether) { // expect: sol-incorrect-equality
            winner = msg.sender;
        }
    }

    function withdraw() external {
        require(msg.sender == winner);
        payable(msg.sender).transfer(address(this).balance);
    }
}
