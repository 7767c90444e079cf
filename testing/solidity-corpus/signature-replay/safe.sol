pragma solidity 0.8.24;

contract Faucet {
    address public immutable signer = msg.sender;
    mapping(address => uint256) public nonces;

    function drip(address payable to, uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 h = keccak256(abi.encode(to, amount, nonces[to]++, block.chainid, address(this)));
        address who = ecrecover(h, v, r, s);
        require(who != address(0) && who == signer);
        to.transfer(amount);
    }
}
