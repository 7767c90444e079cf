// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// Public curve parameters declared `private constant`: `private` is Solidity's visibility
/// keyword here, not a key (P-256 (p+1)/4 and n/2).
library CurveParams {
    uint256 private constant P1DIV4 = 0x3fffffffc0000000400000000000000000000000400000000000000000000000;
    uint256 private constant HALF_N = 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8;
    bytes32 private immutable SALT_SEED;

    function halfN() internal pure returns (uint256) {
        return HALF_N + P1DIV4 - P1DIV4;
    }
}
