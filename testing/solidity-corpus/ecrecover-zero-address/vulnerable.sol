pragma solidity 0.8.24;

contract Permit {
    address public signer; // never set: zero
    mapping(uint256 => bool) public usedNonce;

    function claim(uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        require(!usedNonce[nonce]);
        bytes32 h = keccak256(abi.encode(msg.sender, nonce, block.chainid));
        require(ecrecover(h, v, r, s) == signer, "bad sig"); // expect: sol-ecrecover-zero-address
        usedNonce[nonce] = true;
    }
}
