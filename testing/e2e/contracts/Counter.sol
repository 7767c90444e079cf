// SPDX-License-Identifier: Apache-2.0
// Tiny test contract for Palisade's end-to-end tests. Compiled once with solc-js
// (see compile.mjs); the tests use the committed Counter.json, not the compiler.
pragma solidity 0.8.28;

contract Counter {
    uint256 public count;
    address public lastCaller;

    event Changed(address indexed by, uint256 value);

    constructor(uint256 initial) {
        count = initial;
    }

    function set(uint256 value) external {
        count = value;
        lastCaller = msg.sender;
        emit Changed(msg.sender, value);
    }

    function increment() external {
        count += 1;
        lastCaller = msg.sender;
        emit Changed(msg.sender, count);
    }
}
