pragma solidity 0.8.24;

contract Wallet {
    address public owner;
    mapping(address => bool) public admins;

    constructor() {
        owner = msg.sender;
    }

    function pay(address payable to, uint256 amount) external {
        require(tx.origin == owner, "not owner"); // expect: sol-tx-origin
        to.transfer(amount);
    }

    function setAdmin(address a) external {
        if (owner != tx.origin) revert(); // expect: sol-tx-origin
        admins[a] = true;
    }

    function adminOnly() external view returns (bool) {
        require(admins[tx.origin]); // expect: sol-tx-origin
        return true;
    }
}
