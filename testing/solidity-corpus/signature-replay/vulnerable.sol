pragma solidity 0.8.24;

contract Faucet {
    address public immutable signer = msg.sender;

    function drip(address payable to, uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 h = keccak256(abi.encode(to, amount));
        address who = ecrecover(h, v, r, s); // expect: sol-signature-replay
        require(who != address(0) && who == signer);
        to.transfer(amount);
    }
}
