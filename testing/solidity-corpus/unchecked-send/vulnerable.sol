pragma solidity 0.4.26; // expect: sol-outdated-pragma

contract Lottery {
    address public winner;
    uint256 public prize;

    function payout() public {
        require(msg.sender == winner);
        winner.send(prize); // expect: sol-unchecked-send
        prize = 0;
    }
}
