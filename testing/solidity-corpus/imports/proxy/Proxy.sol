pragma solidity 0.8.24;

// ETH leaves only through the assembly delegatecall of `_delegate`
abstract contract Proxy {
    uint256 private _slot;

    function _implementation() internal view virtual returns (address);

    function _delegate(address impl) internal {
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    fallback() external payable {
        _delegate(_implementation());
    }
}
