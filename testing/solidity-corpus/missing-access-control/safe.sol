pragma solidity 0.8.24;

contract Token {
    address public owner;
    bool public paused;
    uint256 public totalSupply;
    uint256 public constant PRICE = 1 ether;
    mapping(address => uint256) public balanceOf;
    mapping(address => uint256) public deposits;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "owner only");
        _;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    // a paid public mint is not privileged
    function mintPublic(uint256 n) external payable {
        require(msg.value == n * PRICE);
        totalSupply += n;
        balanceOf[msg.sender] += n;
    }

    function setOwner(address newOwner) public {
        _checkOwner();
        owner = newOwner;
    }

    function _checkOwner() internal view {
        require(msg.sender == owner, "owner only");
    }

    address public pendingOwner;

    function claimOwnership() external {
        require(msg.sender == pendingOwner, "not pending");
        owner = pendingOwner;
    }

    function pause() external onlyOwner {
        paused = true;
    }

    // withdrawing one's own deposit
    function withdraw() external {
        uint256 d = deposits[msg.sender];
        deposits[msg.sender] = 0;
        payable(msg.sender).transfer(d);
    }
}

abstract contract UUPSUpgradeable {
    function _authorizeUpgrade(address newImplementation) internal virtual;
}

contract Impl is UUPSUpgradeable {
    address public owner;
    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }
    function _authorizeUpgrade(address) internal override onlyOwner {}
}

interface IERC20Like {
    function balanceOf(address a) external view returns (uint256);
}

// a pool mints against tokens deposited before the call: the mint is paid
contract Pool {
    IERC20Like public token;
    uint256 public reserve;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    function mint(address to) external returns (uint256 liquidity) {
        uint256 bal = token.balanceOf(address(this));
        liquidity = bal - reserve;
        reserve = bal;
        totalSupply += liquidity;
        balanceOf[to] += liquidity;
    }
}
