pragma solidity 0.8.24;

contract Wallet {
    address public owner;
    event Origin(address who);

    constructor() {
        owner = msg.sender;
    }

    function pay(address payable to, uint256 amount) external {
        require(msg.sender == owner, "not owner");
        to.transfer(amount);
    }

    // an only-EOA check, not authorisation
    function onlyHumans() external view returns (bool) {
        require(tx.origin == msg.sender, "no contracts");
        return true;
    }

    mapping(address => uint256) public credit;

    function tip() external payable {
        credit[tx.origin] += msg.value;
    }

    function log() external {
        emit Origin(tx.origin);
    }
}
