pragma solidity 0.8.24;

contract Batch {
    mapping(address => uint256) public credit;

    function creditAll(address[] calldata to, uint256[] calldata amounts) external payable { // expect: sol-locked-ether
        uint256 total = 0;
        for (uint256 i = 0; i < to.length; i++) {
            credit[to[i]] += amounts[i];
            total += amounts[i];
        }
        require(total == msg.value, "wrong value");
    }
}
