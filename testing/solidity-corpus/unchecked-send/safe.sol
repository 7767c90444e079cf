pragma solidity 0.4.26; // expect: sol-outdated-pragma

contract Lottery {
    address public winner;
    uint256 public prize;

    function payout() public {
        require(msg.sender == winner);
        uint256 p = prize;
        prize = 0;
        require(winner.send(p));
    }

    function payoutOrKeep() public {
        require(msg.sender == winner);
        bool sent = winner.send(prize);
        if (sent) {
            prize = 0;
        }
    }
}
