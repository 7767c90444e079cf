pragma solidity 0.4.24; // expect: sol-outdated-pragma

// the claimant states the reward it expects: a changed reward makes the claim fail
contract Bounty {
    address owner;
    bool claimed;
    uint reward;

    constructor() public {
        owner = msg.sender;
    }

    function setReward() public payable {
        require(!claimed);
        require(msg.sender == owner);
        owner.transfer(reward);
        reward = msg.value;
    }

    function claimReward(uint256 submission, uint256 expected) public {
        require(!claimed);
        require(submission < 10);
        require(reward == expected);
        claimed = true;
        msg.sender.transfer(expected);
    }
}
