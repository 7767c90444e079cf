pragma solidity 0.8.24;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
}

library Math {
    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}

contract Vault {
    IERC20 public token;
    mapping(address => uint256) public shares;
    uint256 public total;

    constructor(IERC20 t) {
        token = t;
    }

    function redeem() external {
        uint256 s = shares[msg.sender];
        shares[msg.sender] = 0;
        require(token.transfer(msg.sender, s));
    }

    // library calls are internal, not external calls
    function cap(uint256 a) external {
        uint256 m = Math.min(a, 10);
        total = m;
    }

    function peek() external view returns (uint256) {
        return total;
    }
}
