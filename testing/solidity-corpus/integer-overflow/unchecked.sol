pragma solidity 0.8.24;

contract Points {
    mapping(address => uint256) public points;
    uint256 public total;

    function add(address to, uint256 amount) external {
        unchecked {
            points[to] += amount; // expect: sol-integer-overflow
        }
    }

    function sub(uint256 amount) external {
        uint256 p = points[msg.sender];
        require(p >= amount, "too much");
        unchecked {
            points[msg.sender] = p - amount;
        }
    }

    function count(uint256 n) external pure returns (uint256 s) {
        for (uint256 i = 0; i < n; ) {
            s += 1;
            unchecked {
                ++i;
            }
        }
    }
}
