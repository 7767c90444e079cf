pragma solidity 0.8.24;

interface IHook {
    function notify(uint256 x) external;
}

contract Distributor {
    address owner = msg.sender;
    address payable[] public payees;
    IHook[] public hooks;

    function distribute() external {
        require(msg.sender == owner);
        for (uint256 i = 0; i < payees.length; i++) {
            payees[i].transfer(1 ether); // expect: sol-calls-loop
        }
    }

    function ping(IHook h, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            h.notify(i); // expect: sol-calls-loop
        }
    }
}
