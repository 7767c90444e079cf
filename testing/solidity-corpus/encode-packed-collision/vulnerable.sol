pragma solidity 0.8.24;

contract Registry {
    mapping(bytes32 => address) public owners;

    function register(string calldata name, string calldata suffix) external {
        bytes32 id = keccak256(abi.encodePacked(name, suffix)); // expect: sol-encode-packed-collision
        require(owners[id] == address(0));
        owners[id] = msg.sender;
    }

    function check(address[] calldata admins, address[] calldata users) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(admins, users)); // expect: sol-encode-packed-collision
    }
}
