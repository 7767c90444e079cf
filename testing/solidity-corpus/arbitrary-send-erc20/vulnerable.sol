pragma solidity 0.8.24;

interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

contract Router {
    IERC20 public immutable token;

    constructor(IERC20 t) {
        token = t;
    }

    // anyone can pull the tokens of anyone who approved the router
    function deposit(address from, uint256 amount) external {
        require(token.transferFrom(from, address(this), amount)); // expect: sol-arbitrary-send-erc20
    }
}
