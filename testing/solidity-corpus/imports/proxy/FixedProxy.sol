pragma solidity 0.8.24;

import "./Proxy.sol";

// a payable constructor is fine: the imported base can move ETH out; and a base's private
// `_slot` is not shadowed by this one
contract FixedProxy is Proxy {
    address private immutable target;
    uint256 private _slot;

    constructor(address t) payable {
        target = t;
    }

    function _implementation() internal view override returns (address) {
        return target;
    }
}

// nothing in this hierarchy can send ETH out
contract Jar {
    constructor() payable {} // expect: sol-locked-ether
}
