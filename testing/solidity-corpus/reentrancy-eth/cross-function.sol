pragma solidity 0.8.24;

// Cross-function reentrancy: `withdraw` holds the lock, but `transfer` does not. During the
// payment the receiver calls `transfer` and moves the balance `withdraw` is about to zero.
contract LockedVault {
    mapping(address => uint256) public balances;
    bool private entered;

    modifier nonReentrant() {
        require(!entered, "reentrant");
        entered = true;
        _;
        entered = false;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function transfer(address to, uint256 amount) external {
        require(balances[msg.sender] >= amount, "balance");
        balances[to] += amount;
        balances[msg.sender] -= amount;
    }

    function withdraw() external nonReentrant {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // expect: sol-reentrancy-eth
        require(ok, "send failed");
        balances[msg.sender] = 0;
    }
}

// The same split with a token call: `claim` is locked, `stake` reads `credits` unlocked.
interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
}

contract LockedRewards {
    IToken public token;
    mapping(address => uint256) public credits;
    mapping(address => uint256) public staked;
    uint256 private status = 1;

    modifier lock() {
        require(status == 1);
        status = 2;
        _;
        status = 1;
    }

    function stake(uint256 amount) external {
        uint256 c = credits[msg.sender];
        require(c >= amount);
        credits[msg.sender] = c - amount;
        staked[msg.sender] += amount;
    }

    function claim() external lock {
        uint256 c = credits[msg.sender];
        require(token.transfer(msg.sender, c)); // expect: sol-reentrancy-no-eth
        credits[msg.sender] = 0;
    }
}
