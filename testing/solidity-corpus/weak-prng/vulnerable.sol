pragma solidity 0.8.24;

contract Dice {
    address[] public players;

    function roll() external view returns (uint256) {
        return uint256(keccak256(abi.encodePacked(block.timestamp, msg.sender))) % 6; // expect: sol-weak-prng
    }

    function pickWinner() external view returns (address) {
        uint256 seed = uint256(keccak256(abi.encodePacked(block.prevrandao, players.length)));
        return players[seed % players.length]; // expect: sol-weak-prng
    }

    function coin() external view returns (bool) {
        return uint256(blockhash(block.number - 1)) % 2 == 0; // expect: sol-weak-prng
    }
}
