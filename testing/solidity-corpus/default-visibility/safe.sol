pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract HashGame {
    mapping(address => uint) public wins;

    function play(uint guess) public payable { // expect: sol-locked-ether
        require(msg.value == 1 ether);
        if (guess == 7) {
            _recordWin(msg.sender);
        }
    }

    function _recordWin(address player) internal {
        wins[player] = wins[player] + 1;
    }

    // a view helper without a keyword changes nothing
    function _score(address player) constant returns (uint) {
        return wins[player];
    }
}
