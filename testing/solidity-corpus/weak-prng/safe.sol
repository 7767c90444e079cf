pragma solidity 0.8.24;

contract Dice {
    uint256 public round;
    mapping(uint256 => uint256) public randomness;

    // randomness delivered by an oracle (VRF callback)
    function fulfill(uint256 id, uint256 value) external {
        randomness[id] = value;
    }

    function roll(uint256 id) external view returns (uint256) {
        return randomness[id] % 6;
    }

    // timestamps used for bookkeeping, not for chance
    function epoch() external view returns (uint256) {
        return block.timestamp / 1 days;
    }

    function isEven(uint256 x) external pure returns (bool) {
        return x % 2 == 0;
    }
}
