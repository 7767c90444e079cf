pragma solidity 0.8.24;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

library SafeERC20 {
    function safeTransfer(IERC20 token, address to, uint256 value) internal {
        require(token.transfer(to, value), "transfer failed");
    }
}

contract Sale {
    using SafeERC20 for IERC20;
    IERC20 public immutable token;
    mapping(address => uint256) public bought;

    constructor(IERC20 t) {
        token = t;
    }

    function buy(uint256 amount) external {
        bought[msg.sender] += amount;
        require(token.transferFrom(msg.sender, address(this), amount), "failed");
    }

    function refund(uint256 amount) external {
        bought[msg.sender] -= amount;
        token.safeTransfer(msg.sender, amount);
    }

    // ETH transfer with one argument reverts on failure
    function tip() external {
        payable(msg.sender).transfer(1);
    }
}

// a token whose transfer returns nothing (USDT): nothing to check
interface IUSDT {
    function transfer(address to, uint256 amount) external;
}

contract Payout {
    IUSDT public immutable usdt;

    constructor(IUSDT u) {
        usdt = u;
    }

    function pay(uint256 amount) external {
        usdt.transfer(msg.sender, amount);
    }
}
