pragma solidity 0.8.24;

contract Batch {
    mapping(address => uint256) public credit;

    function creditAll(address[] calldata to) external payable { // expect: sol-locked-ether
        for (uint256 i = 0; i < to.length; i++) {
            credit[to[i]] += msg.value; // expect: sol-msg-value-loop
        }
    }
}
