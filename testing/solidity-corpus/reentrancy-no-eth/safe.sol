pragma solidity 0.8.24;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

interface IOracle {
    function price() external view returns (uint256);
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

    // view calls compile to STATICCALL: the callee cannot re-enter with effect
    function sync(IOracle o) external {
        uint256 p = o.price();
        uint256 b = token.balanceOf(address(this));
        total = p * b;
    }

    function peek() external view returns (uint256) {
        return total;
    }
}
