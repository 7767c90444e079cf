pragma solidity 0.8.24;

contract Killable {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function kill(address payable to) external {
        selfdestruct(to); // expect: sol-unprotected-selfdestruct
    }

    function close() public {
        _close();
    }

    function _close() internal {
        selfdestruct(payable(owner)); // expect: sol-unprotected-selfdestruct
    }
}
