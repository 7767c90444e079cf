pragma solidity ^0.4.24; // expect: sol-outdated-pragma sol-floating-pragma

// 0.4-era gas-limit denial of service: lists that any caller can grow with `push` or
// `length++`, cleared in one go with `length = 0`, `delete` or a fresh array.
contract Pyramid {
    address[] public investors;
    uint[] public deposits;
    uint numDeposits;

    function invest() public {
        investors.push(msg.sender);
    }

    function record(uint value) public {
        if (numDeposits == deposits.length) {
            deposits.length += 1;
        }
        deposits[numDeposits++] = value;
    }

    function restart() public {
        require(investors.length > 1500);
        investors.length = 0; // expect: sol-unbounded-loop
    }

    function clearDeposits() public {
        require(numDeposits > 1500);
        deposits = new uint[](0); // expect: sol-unbounded-loop
        numDeposits = 0;
    }

    function wipe() public {
        delete investors; // expect: sol-unbounded-loop
    }
}

contract Lottery {
    address[] players;
    address owner;

    function Lottery() public {
        owner = msg.sender;
    }

    function enter() public payable {
        require(msg.value == 1 ether);
        players.push(msg.sender);
    }

    // every player is refunded in one loop; `throw` on a failed send blocks the refund for all
    function cancel() public {
        require(msg.sender == owner);
        for (uint i = 0; i < players.length; i++) { // expect: sol-unbounded-loop
            if (!players[i].send(1 ether)) throw; // expect: sol-calls-loop sol-push-payment-dos
        }
        players.length = 0; // expect: sol-unbounded-loop
    }
}
