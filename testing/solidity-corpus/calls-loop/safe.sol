pragma solidity 0.8.24;

contract Distributor {
    mapping(address => uint256) public owed;
    address[] public payees;

    // records what is owed; each payee pulls
    function distribute() external {
        for (uint256 i = 0; i < payees.length; i++) {
            owed[payees[i]] += 1 ether;
        }
    }

    function claim() external {
        uint256 a = owed[msg.sender];
        owed[msg.sender] = 0;
        payable(msg.sender).transfer(a);
    }
}
