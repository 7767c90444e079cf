pragma solidity 0.8.24;

contract Token {
    address public owner;
    bool public paused;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    constructor() {
        owner = msg.sender;
    }

    function mint(address to, uint256 amount) external { // expect: sol-missing-access-control
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    function setOwner(address newOwner) public { // expect: sol-missing-access-control
        owner = newOwner;
    }

    function IamMissing() external { // expect: sol-missing-access-control
        owner = msg.sender;
    }

    function pause() external { // expect: sol-missing-access-control
        paused = true;
    }

    function withdrawAll(address payable to) external { // expect: sol-missing-access-control
        to.transfer(address(this).balance); // expect: sol-arbitrary-send-eth
    }
}

abstract contract UUPSUpgradeable {
    function _authorizeUpgrade(address newImplementation) internal virtual;
}

contract Impl is UUPSUpgradeable {
    function _authorizeUpgrade(address) internal override {} // expect: sol-missing-access-control
}
