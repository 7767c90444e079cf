pragma solidity 0.8.24;

contract Treasury {
    receive() external payable {}

    function payOut(address payable to, uint256 amount) external {
        to.transfer(amount); // expect: sol-arbitrary-send-eth
    }

    function payOutCall(address to, uint256 amount) external {
        (bool ok, ) = to.call{value: amount}(""); // expect: sol-arbitrary-send-eth
        require(ok);
    }
}
