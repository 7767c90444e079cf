pragma solidity ^0.4.21; // expect: sol-outdated-pragma sol-floating-pragma

// 0.4-era puzzle: the fallback serves both the owner (who tops up and may change the reward)
// and the solvers (whose proof-of-work travels in plain calldata).
contract HashPuzzle {
    address public owner;
    bool public locked;
    uint public reward;
    bytes32 public target;
    bytes public solution;

    function HashPuzzle() public payable {
        owner = msg.sender;
        reward = msg.value;
        target = bytes32(1000000);
    }

    function() public payable {
        if (msg.sender == owner) {
            require(!locked);
            owner.transfer(reward);
            reward = msg.value;
        } else if (msg.data.length > 0) {
            require(!locked);
            if (msg.data.length == 32 && sha256(msg.data) < target) { // expect: sol-front-runnable-secret
                msg.sender.transfer(reward); // expect: sol-transaction-order
                solution = msg.data;
                locked = true;
            }
        }
    }
}

// A quiz whose answer is submitted in plain text against a stored hash.
contract OpenQuiz {
    bytes32 responseHash;
    string public question;
    address questionSender;

    function Try(string _response) external payable {
        require(msg.sender == tx.origin);
        if (responseHash == keccak256(_response) && msg.value > 1 ether) { // expect: sol-front-runnable-secret
            msg.sender.transfer(this.balance);
        }
    }

    function StartGame(string _question, string _response) public payable {
        if (responseHash == 0x0) {
            responseHash = keccak256(_response);
            question = _question;
            questionSender = msg.sender;
        }
    }
}
