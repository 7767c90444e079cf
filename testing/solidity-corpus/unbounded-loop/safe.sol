pragma solidity 0.8.24;

contract Airdrop {
    address owner = msg.sender;
    address[] public members;
    mapping(address => uint256) public credit;

    function join(address m) external {
        require(msg.sender == owner);
        members.push(m);
    }

    function reward() external {
        for (uint256 i = 0; i < members.length; i++) {
            credit[members[i]] += 1;
        }
    }

    // paged: the caller bounds the work
    function rewardPage(address[] calldata list) external {
        for (uint256 i = 0; i < list.length; i++) {
            credit[list[i]] += 1;
        }
    }
}
