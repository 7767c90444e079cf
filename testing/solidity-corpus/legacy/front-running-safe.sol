pragma solidity 0.4.24; // expect: sol-outdated-pragma

// the payout is fixed at deployment: nobody can change it between sending and mining
contract Bounty {
    bool claimed;
    uint constant REWARD = 1 ether;
    mapping(address => uint) public credit;

    constructor() public payable {}

    function claim(uint256 submission) public {
        require(!claimed);
        require(submission < 10);
        claimed = true;
        msg.sender.transfer(REWARD);
    }

    function withdraw() public {
        uint c = credit[msg.sender];
        credit[msg.sender] = 0;
        msg.sender.transfer(c);
    }
}
