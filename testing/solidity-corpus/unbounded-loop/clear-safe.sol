pragma solidity 0.8.24;

// Look-alikes: the list is grown only by the owner, a single entry is deleted, or the round
// moves on by bumping an index instead of zeroing the array.
contract CreditRoundSafe {
    address[] public creditors;
    address[] public admins;
    mapping(uint256 => address[]) public rounds;
    uint256 public round;
    address public owner = msg.sender;

    function lend() external payable {
        rounds[round].push(msg.sender);
        creditors.push(msg.sender);
    }

    function addAdmin(address a) external {
        require(msg.sender == owner);
        admins.push(a);
    }

    function resetAdmins() external {
        require(msg.sender == owner);
        delete admins;
    }

    function removeFirst() external {
        require(msg.sender == owner);
        delete creditors[0];
    }

    function nextRound() external {
        require(msg.sender == owner);
        round += 1;
    }

    function sweep() external {
        require(msg.sender == owner);
        payable(owner).transfer(address(this).balance);
    }
}
