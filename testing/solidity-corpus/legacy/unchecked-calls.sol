pragma solidity ^0.4.23; // expect: sol-outdated-pragma sol-floating-pragma

contract Lotto {
    bool public payedOut = false;
    address public winner;
    uint public winAmount;

    function sendToWinner() public {
        require(!payedOut);
        winner.send(winAmount); // expect: sol-unchecked-send
        payedOut = true;
    }

    function withdrawLeftOver() public {
        require(payedOut);
        msg.sender.send(this.balance); // expect: sol-unchecked-send
    }
}

contract Forwarder {
    address public owner = msg.sender;

    function forward(address _to, uint _value) public payable {
        _to.call.value(_value)(); // expect: sol-unchecked-lowlevel sol-arbitrary-send-eth
    }

    function transferToken(address token, address to, uint amount) public {
        require(msg.sender == owner);
        token.call(bytes4(sha3("transfer(address,uint256)")), to, amount); // expect: sol-unchecked-lowlevel
    }

    function proxy(address target, bytes data) public payable {
        require(msg.sender == owner);
        target.delegatecall(data); // expect: sol-unchecked-lowlevel
    }

    function airdrop(address from, address caddress, address[] _tos, uint v) public returns (bool) {
        require(_tos.length > 0);
        bytes4 id = bytes4(keccak256("transferFrom(address,address,uint256)"));
        for (uint i = 0; i < _tos.length; i++) {
            caddress.call(id, from, _tos[i], v); // expect: sol-unchecked-lowlevel sol-calls-loop
        }
        return true;
    }
}
