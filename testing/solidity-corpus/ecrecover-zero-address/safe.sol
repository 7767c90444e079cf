pragma solidity 0.8.24;

contract Permit {
    address public signer;
    mapping(uint256 => bool) public usedNonce;

    function claim(uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        require(!usedNonce[nonce]);
        bytes32 h = keccak256(abi.encode(msg.sender, nonce, block.chainid));
        address who = ecrecover(h, v, r, s);
        require(who != address(0) && who == signer, "bad sig");
        usedNonce[nonce] = true;
    }
}
