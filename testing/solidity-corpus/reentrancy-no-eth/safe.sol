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

interface IPair {
    function initialize(address a, address b) external;
}

contract Pair is IPair {
    address public factory = msg.sender;
    address public a;
    address public b;

    function initialize(address x, address y) external {
        require(msg.sender == factory);
        a = x;
        b = y;
    }
}

// calling a contract it has just deployed runs only code the factory chose
contract Factory {
    mapping(address => mapping(address => address)) public getPair;
    address[] public allPairs;

    function createPair(address x, address y) external returns (address pair) {
        pair = address(new Pair());
        IPair(pair).initialize(x, y);
        getPair[x][y] = pair;
        allPairs.push(pair);
    }
}
