pragma solidity 0.8.24;

contract Dice {
    address[] public players;

    function roll() external view returns (uint256) {
        return uint256(keccak256(abi.encodePacked(block.timestamp, msg.sender))) % 6; // expect: sol-weak-prng sol-timestamp-dependence
    }

    function pickWinner() external view returns (address) {
        uint256 seed = uint256(keccak256(abi.encodePacked(block.prevrandao, players.length))); // expect: sol-weak-prng
        return players[seed % players.length];
    }

    function guess(uint8 g) external view returns (bool) {
        uint8 answer = uint8(uint256(keccak256(abi.encodePacked(blockhash(block.number - 1), block.timestamp)))); // expect: sol-weak-prng
        return g == answer;
    }

    function predict(bytes32 g, uint256 n) external view returns (bool) {
        bytes32 answer = blockhash(n); // expect: sol-weak-prng
        return g == answer;
    }

    function coin() external view returns (bool) {
        return uint256(blockhash(block.number - 1)) % 2 == 0; // expect: sol-weak-prng
    }
}
