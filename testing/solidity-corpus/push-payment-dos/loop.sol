pragma solidity 0.8.24;

// A payout loop that reverts when any one payment fails, over a list anyone can join: one
// participant that rejects ETH (a contract without `receive`) freezes every payout.
contract Tontine {
    struct Member {
        address payable addr;
        uint256 stake;
    }

    Member[] public members;
    mapping(uint256 => address payable) public seats;
    uint256 public seatCount;
    address public owner = msg.sender;

    function join() external payable {
        require(msg.value >= 0.1 ether);
        members.push(Member(payable(msg.sender), msg.value));
    }

    function takeSeat() external payable {
        require(msg.value == 1 ether);
        seats[seatCount] = payable(msg.sender);
        seatCount += 1;
    }

    function distribute() external {
        require(msg.sender == owner);
        uint256 n = members.length;
        for (uint256 i = 0; i < 10 && i < n; i++) {
            members[i].addr.transfer(members[i].stake / 10); // expect: sol-calls-loop sol-push-payment-dos
        }
    }

    function refundSeats() external {
        uint256 i = 0;
        while (i < seatCount) {
            address payable seat = seats[i];
            (bool ok, ) = seat.call{value: 1 ether}(""); // expect: sol-calls-loop sol-push-payment-dos
            require(ok);
            i++;
        }
    }

    function refundSeatsStrict() external {
        for (uint256 i = 0; i < seatCount; i++) {
            require(seats[i].send(1 ether), "refund failed"); // expect: sol-calls-loop sol-push-payment-dos
        }
    }
}
