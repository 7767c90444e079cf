pragma solidity 0.4.24; // expect: sol-outdated-pragma

// the owner can change the reward while a claim is in the mempool
contract EthTxOrderDependence {
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

    function claimReward(uint256 submission) public {
        require(!claimed);
        require(submission < 10);
        msg.sender.transfer(reward); // expect: sol-transaction-order
        claimed = true;
    }
}
