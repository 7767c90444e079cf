pragma solidity ^0.4.21; // expect: sol-outdated-pragma sol-floating-pragma

contract GuessTheNumber {
    bytes32 answerHash;
    uint8 answer;

    function GuessTheNumber() public payable {
        require(msg.value == 1 ether);
        answer = uint8(keccak256(block.blockhash(block.number - 1), now)); // expect: sol-weak-prng
    }

    function guess(uint8 n) public payable {
        require(msg.value == 1 ether);
        if (n == answer) {
            msg.sender.transfer(2 ether);
        }
    }
}

contract CoinFlip {
    uint256 lastHash;
    uint256 constant FACTOR = 57896044618658097711785492504343953926634992332820282019728792003956564819968;

    function flip(bool _guess) public returns (bool) {
        uint256 blockValue = uint256(block.blockhash(block.number - 1)); // expect: sol-weak-prng
        if (lastHash == blockValue) {
            revert();
        }
        lastHash = blockValue;
        uint256 coinFlip = blockValue / FACTOR;
        bool side = coinFlip == 1 ? true : false;
        return side == _guess;
    }
}

contract Raffle {
    address[] public players;
    address public winner;

    function enter() public payable {
        require(msg.value == 0.1 ether);
        players.push(msg.sender);
    }

    function draw() public {
        require(players.length >= 10);
        uint index = uint(sha3(block.timestamp, block.difficulty)) % players.length; // expect: sol-weak-prng sol-timestamp-dependence
        winner = players[index];
        winner.transfer(this.balance);
    }

    function luckyBlock() public payable {
        var random = uint(sha3(block.coinbase, block.number)) % 2; // expect: sol-weak-prng
        if (random == 0) {
            msg.sender.transfer(msg.value * 2);
        }
    }
}

contract NumberGenerator {
    uint256 private salt = block.timestamp; // expect: sol-weak-prng
    uint256 public created = block.timestamp;

    function random(uint max) internal view returns (uint256) {
        uint256 x = salt * 100 / max;
        return x % max + 1;
    }

    function draw() public view returns (uint256) {
        return random(10);
    }
}
