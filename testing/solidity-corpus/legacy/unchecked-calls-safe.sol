pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Lotto {
    bool public payedOut = false;
    address public winner;
    uint public winAmount;

    function sendToWinner() public {
        require(!payedOut);
        require(winner.send(winAmount));
        payedOut = true;
    }

    function forward(address _to, uint _value) public payable {
        require(msg.sender == winner);
        if (!_to.call.value(_value)()) {
            revert();
        }
    }

    // forwards what the caller paid, and checks the result
    function relay(address target, bytes data) public payable {
        require(target.call.value(msg.value).gas(50000)(data));
    }

    function withdraw() public {
        bool ok = msg.sender.send(0);
        require(ok);
    }
}
