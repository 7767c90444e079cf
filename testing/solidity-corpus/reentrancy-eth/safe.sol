pragma solidity 0.8.24;

abstract contract ReentrancyGuard {
    uint256 private _status = 1;
    modifier nonReentrant() {
        require(_status == 1);
        _status = 2;
        _;
        _status = 1;
    }
}

contract Bank is ReentrancyGuard {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    // checks-effects-interactions: the balance is cleared before the call
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
    }

    // transfer forwards only 2300 gas: no re-entry
    function withdrawTransfer() external {
        uint256 amount = balances[msg.sender];
        payable(msg.sender).transfer(amount);
        balances[msg.sender] = 0;
    }

    // only a local is written after the call
    function ping(address to) external returns (bool) {
        (bool ok, ) = to.call{value: 0}("");
        bool done = ok;
        return done;
    }
}

// write after the call, but under a reentrancy lock (no unlocked function touches the
// balances: in `Bank` above, re-entering the unlocked `withdraw` would pay twice)
contract LockedBank is ReentrancyGuard {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdrawLocked() external nonReentrant {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok);
        balances[msg.sender] = 0;
    }
}

contract Branches {
    mapping(address => uint256) public balances;

    // the write and the call are on exclusive branches
    function settle(bool pay) external {
        if (pay) {
            (bool ok, ) = msg.sender.call{value: balances[msg.sender]}("");
            require(ok);
        } else {
            balances[msg.sender] = 0;
        }
    }
}

contract Executor {
    address public owner = msg.sender;
    bytes32 private _executionId;

    // the caller is restricted, and the saved id is restored after the call
    function run(address target, bytes calldata data) external payable {
        require(msg.sender == owner);
        (bool ok, ) = target.call{value: msg.value}(data);
        require(ok);
        _executionId = 0;
    }

    function relay(address target, bytes calldata data) external payable {
        bytes32 before = _executionId;
        _executionId = keccak256(data);
        (bool ok, ) = target.call{value: msg.value}(data);
        require(ok);
        _executionId = before;
    }
}
