pragma solidity 0.8.24;

contract Jar {
    mapping(address => uint256) public deposits;

    function deposit() external payable { // expect: sol-locked-ether
        deposits[msg.sender] += msg.value;
    }
}
