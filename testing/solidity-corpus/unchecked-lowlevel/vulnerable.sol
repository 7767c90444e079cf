pragma solidity 0.8.24;

contract Payer {
    address public owner = msg.sender;

    function pay(address to, uint256 amount) external {
        require(msg.sender == owner);
        to.call{value: amount}(""); // expect: sol-unchecked-lowlevel
    }

    function forward(address target, bytes calldata data) external {
        require(msg.sender == owner);
        (bool ok, ) = target.call(data); // expect: sol-unchecked-lowlevel
    }

    function run(address lib, bytes calldata data) external {
        require(msg.sender == owner);
        lib.delegatecall(data); // expect: sol-unchecked-lowlevel
    }
}
