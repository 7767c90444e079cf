pragma solidity 0.4.24; // expect: sol-outdated-pragma

// the random value comes from a commit-reveal between two parties, not from the block
contract CommitReveal {
    mapping(address => bytes32) public commits;
    uint public lastBlock;

    function commit(bytes32 h) public {
        commits[msg.sender] = h;
        lastBlock = block.number;
    }

    function reveal(uint secret) public view returns (uint) {
        require(keccak256(secret) == commits[msg.sender]);
        return secret % 6;
    }
}
