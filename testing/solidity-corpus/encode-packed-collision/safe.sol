pragma solidity 0.8.24;

contract Registry {
    mapping(bytes32 => address) public owners;

    function register(string calldata name, string calldata suffix) external {
        bytes32 id = keccak256(abi.encode(name, suffix));
        require(owners[id] == address(0));
        owners[id] = msg.sender;
    }

    function one(string calldata name, uint256 n) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(name, n));
    }

    // a fixed separator between the dynamic values
    function typed(string calldata name, string calldata body) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(name, "(", body));
    }

    function concat(string calldata a, string calldata b) external pure returns (bytes memory) {
        return abi.encodePacked(a, b);
    }
}
