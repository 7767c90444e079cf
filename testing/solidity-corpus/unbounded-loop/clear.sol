pragma solidity 0.8.24;

// Resetting a whole array that anyone can grow: `delete` (and `= new T[](0)`) zeroes every
// slot in one transaction, so a long enough list makes the reset, and the round, impossible.
contract CreditRound {
    address[] public creditors;
    uint256[] public amounts;
    uint256 public lastCredit;
    address public owner = msg.sender;

    function lend() external payable {
        if (lastCredit + 12 hours < block.timestamp) {
            creditors = new address[](0); // expect: sol-unbounded-loop
            amounts = new uint256[](0); // expect: sol-unbounded-loop
            lastCredit = block.timestamp;
        }
        creditors.push(msg.sender);
        amounts.push(msg.value);
    }

    function reset() external {
        require(msg.sender == owner);
        delete creditors; // expect: sol-unbounded-loop
    }

    function sweep() external {
        require(msg.sender == owner);
        payable(owner).transfer(address(this).balance);
    }
}
