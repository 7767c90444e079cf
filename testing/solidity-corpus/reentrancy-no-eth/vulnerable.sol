pragma solidity 0.8.24;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

contract Vault {
    IERC20 public token;
    mapping(address => uint256) public shares;

    constructor(IERC20 t) {
        token = t;
    }

    function redeem() external {
        uint256 s = shares[msg.sender];
        require(token.transfer(msg.sender, s)); // expect: sol-reentrancy-no-eth
        shares[msg.sender] = 0;
    }

    function redeemTo(address tokenAddr) external {
        uint256 s = shares[msg.sender];
        bool ok = IERC20(tokenAddr).transfer(msg.sender, s); // expect: sol-reentrancy-no-eth
        require(ok);
        delete shares[msg.sender];
    }
}

interface IBank {
    function supportsToken() external returns (bytes32);
}

// the external call sits in a modifier that runs before the body
contract ModifierEntrancy {
    mapping(address => uint256) public tokenBalance;

    modifier supportsToken() {
        require(keccak256(abi.encodePacked("Nu Token")) == IBank(msg.sender).supportsToken()); // expect: sol-reentrancy-no-eth
        _;
    }

    function airDrop() external supportsToken {
        tokenBalance[msg.sender] += 20;
    }
}
