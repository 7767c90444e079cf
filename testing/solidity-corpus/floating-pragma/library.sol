pragma solidity ^0.8.20;

// libraries and interfaces are meant to float
library Math {
    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}

interface IThing {
    function thing() external;
}
