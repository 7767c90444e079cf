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

contract Pool is ReentrancyGuard {
    uint256 public totalShares;
    uint256 public totalEth;
    mapping(address => uint256) public shares;

    function deposit() external payable nonReentrant {
        shares[msg.sender] += msg.value;
        totalShares += msg.value;
        totalEth += msg.value;
    }

    function withdraw(uint256 s) external nonReentrant {
        uint256 amount = (s * totalEth) / totalShares;
        shares[msg.sender] -= s;
        (bool ok, ) = msg.sender.call{value: amount}(""); // expect: sol-reentrancy-read-only
        require(ok);
        totalShares -= s;
        totalEth -= amount;
    }

    function pricePerShare() external view returns (uint256) {
        return (totalEth * 1e18) / totalShares;
    }
}
