pragma solidity 0.8.24;

contract Jar {
    mapping(address => uint256) public deposits;

    function deposit() external payable {
        deposits[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 d = deposits[msg.sender];
        deposits[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: d}("");
        require(ok);
    }
}
