pragma solidity 0.8.24;

// Look-alikes: failures are recorded instead of reverting, recipients are fixed by the
// owner, or each member withdraws their own share.
contract TontineSafe {
    struct Member {
        address payable addr;
        uint256 stake;
    }

    Member[] public members;
    address payable[3] public trustees;
    address payable[] public payees;
    mapping(address => uint256) public owed;
    address public owner = msg.sender;

    function join() external payable {
        require(msg.value >= 0.1 ether);
        members.push(Member(payable(msg.sender), msg.value));
    }

    function addPayee(address payable p) external {
        require(msg.sender == owner);
        payees.push(p);
    }

    // a failed send is booked as owed and the loop goes on
    function distribute() external {
        require(msg.sender == owner);
        uint256 n = members.length;
        for (uint256 i = 0; i < 10 && i < n; i++) {
            uint256 share = members[i].stake / 10;
            if (!members[i].addr.send(share)) { // expect: sol-calls-loop
                owed[members[i].addr] += share;
            }
        }
    }

    // only the owner decides who is on this list
    function payPayees() external {
        require(msg.sender == owner);
        for (uint256 i = 0; i < payees.length; i++) {
            payees[i].transfer(1 ether); // expect: sol-calls-loop
        }
    }

    // pull payment
    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}
