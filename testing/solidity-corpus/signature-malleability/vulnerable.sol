pragma solidity 0.8.24;

contract Voucher {
    address public immutable signer = msg.sender;
    mapping(bytes => bool) public usedSig;

    function redeem(bytes32 h, bytes memory signature, uint8 v, bytes32 r, bytes32 s) external {
        require(!usedSig[signature], "used");
        address who = ecrecover(h, v, r, s); // expect: sol-signature-malleability
        require(who != address(0) && who == signer);
        usedSig[signature] = true;
    }
}
