pragma solidity 0.8.24;

contract Payer {
    address public owner = msg.sender;

    function pay(address to, uint256 amount) external {
        require(msg.sender == owner);
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "call failed");
    }

    function forward(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner);
        (bool success, bytes memory ret) = target.call(data);
        if (!success) revert("failed");
        return ret;
    }

    function probe(address target) external view returns (bool) {
        (bool ok, ) = target.staticcall("");
        return ok;
    }
}
