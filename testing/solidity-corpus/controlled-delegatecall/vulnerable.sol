pragma solidity 0.8.24;

contract Proxy {
    address public owner;

    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.delegatecall(data); // expect: sol-controlled-delegatecall
        require(ok);
        return ret;
    }
}
