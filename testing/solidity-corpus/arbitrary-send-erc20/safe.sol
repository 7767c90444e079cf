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

contract BaseToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function transferFrom(address from, address to, uint256 v) public virtual returns (bool) {
        require(allowance[from][msg.sender] >= v);
        allowance[from][msg.sender] -= v;
        balanceOf[from] -= v;
        balanceOf[to] += v;
        return true;
    }
}

// the inherited implementation checks the allowance
contract PausableToken is BaseToken {
    bool public paused;

    function transferFrom(address from, address to, uint256 v) public override returns (bool) {
        require(!paused);
        return super.transferFrom(from, to, v);
    }
}
