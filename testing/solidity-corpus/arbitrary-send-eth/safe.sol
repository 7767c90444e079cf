pragma solidity 0.8.24;

contract Treasury {
    address public owner = msg.sender;
    mapping(address => uint256) public credit;

    modifier onlyOwner() {
        require(msg.sender == owner, "owner only");
        _;
    }

    receive() external payable {
        credit[msg.sender] += msg.value;
    }

    function payOut(address payable to, uint256 amount) external onlyOwner {
        to.transfer(amount);
    }

    // pays the caller's own credit to an address of their choice
    function withdrawTo(address payable to) external {
        uint256 c = credit[msg.sender];
        credit[msg.sender] = 0;
        to.transfer(c);
    }
}
