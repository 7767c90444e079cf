pragma solidity 0.8.24;

contract Voucher {
    address public immutable signer = msg.sender;
    mapping(bytes => bool) public usedSig;

    function redeem(bytes32 h, bytes memory signature, uint8 v, bytes32 r, bytes32 s) external {
        require(uint256(s) <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0, "bad s");
        require(!usedSig[signature], "used");
        address who = ecrecover(h, v, r, s);
        require(who != address(0) && who == signer);
        usedSig[signature] = true;
    }
}
