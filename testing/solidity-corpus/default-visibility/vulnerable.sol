pragma solidity ^0.4.24; // expect: sol-outdated-pragma sol-floating-pragma

contract HashGame {
    address public lastPlayer;
    mapping(address => uint) public wins;

    function play(uint guess) public payable {
        require(msg.value == 1 ether);
        lastPlayer = msg.sender;
        if (guess == 7) {
            _recordWin(msg.sender);
        }
    }

    // meant as an internal helper: without a keyword it is public
    function _recordWin(address player) { // expect: sol-default-visibility
        wins[player] = wins[player] + 1;
    }

    function claim() public {
        require(wins[msg.sender] > 0);
        wins[msg.sender] = 0;
        msg.sender.transfer(1 ether);
    }
}
