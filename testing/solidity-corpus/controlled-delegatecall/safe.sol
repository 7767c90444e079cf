pragma solidity 0.8.24;

contract Proxy {
    address public owner = msg.sender;
    address public implementation;

    function setImplementation(address impl) external {
        require(msg.sender == owner);
        implementation = impl;
    }

    function execute(bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = implementation.delegatecall(data);
        require(ok);
        return ret;
    }

    function executeAt(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "owner only");
        (bool ok, bytes memory ret) = target.delegatecall(data);
        require(ok);
        return ret;
    }
}
