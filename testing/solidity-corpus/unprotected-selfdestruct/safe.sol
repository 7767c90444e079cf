pragma solidity 0.8.24;

contract Killable {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    function kill(address payable to) external onlyOwner {
        selfdestruct(to);
    }

    function close() external {
        if (msg.sender != owner) revert("owner only");
        selfdestruct(payable(owner));
    }

    function _destroy() internal {
        selfdestruct(payable(owner));
    }
}
