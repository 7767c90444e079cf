pragma solidity 0.8.24;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

contract Sale {
    IERC20 public immutable token;
    mapping(address => uint256) public bought;

    constructor(IERC20 t) {
        token = t;
    }

    function buy(uint256 amount) external {
        bought[msg.sender] += amount;
        token.transferFrom(msg.sender, address(this), amount); // expect: sol-unchecked-transfer
    }

    function refund(address tokenAddr, uint256 amount) external {
        bought[msg.sender] -= amount;
        IERC20(tokenAddr).transfer(msg.sender, amount); // expect: sol-unchecked-transfer
    }
}
