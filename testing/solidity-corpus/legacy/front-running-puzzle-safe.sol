pragma solidity ^0.4.21; // expect: sol-outdated-pragma sol-floating-pragma

// Look-alikes: the solver commits to a hash bound to its own address first and reveals in a
// later block; the reward is fixed once the puzzle opens; the owner's branch only records.
contract CommitPuzzle {
    address public owner;
    bool public locked;
    uint public reward;
    bytes32 public target;
    mapping(address => bytes32) public commits;
    mapping(address => uint) public commitBlock;

    function CommitPuzzle() public payable {
        owner = msg.sender;
        reward = msg.value;
        target = bytes32(1000000);
    }

    function commit(bytes32 h) public {
        commits[msg.sender] = h;
        commitBlock[msg.sender] = block.number;
    }

    function reveal(bytes32 answer) public {
        require(!locked);
        require(block.number > commitBlock[msg.sender]);
        require(commits[msg.sender] == keccak256(answer, msg.sender));
        require(sha256(answer) < target);
        locked = true;
        msg.sender.transfer(reward);
    }

    function() public payable {
        require(msg.sender == owner);
    }
}
