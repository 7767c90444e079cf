pragma solidity 0.8.24;

contract FindThisHash {
    bytes32 public constant hash = 0xb5b5b97fafd9855eec9b41f74dfb6c38f5951141f9a3ecd7f44d5479b630ee0a;
    mapping(address => bytes32) public commits;

    constructor() payable {}

    function commit(bytes32 c) external {
        commits[msg.sender] = c;
    }

    // the reveal is bound to the committer
    function solve(string memory solution, bytes32 salt) public {
        require(commits[msg.sender] == keccak256(abi.encodePacked(solution, msg.sender, salt)));
        require(hash == keccak256(abi.encodePacked(solution)));
        payable(msg.sender).transfer(1000 ether);
    }
}
