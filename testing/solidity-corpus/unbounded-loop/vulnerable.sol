pragma solidity 0.8.24;

contract Airdrop {
    address owner = msg.sender;
    address[] public members;
    mapping(address => uint256) public credit;

    function join() external {
        members.push(msg.sender);
    }

    function reward() external {
        require(msg.sender == owner);
        for (uint256 i = 0; i < members.length; i++) { // expect: sol-unbounded-loop
            credit[members[i]] += 1;
        }
    }
}
