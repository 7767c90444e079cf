pragma solidity 0.8.24;

contract WalletLibrary {
    address public owner;
    uint256 public limit;

    function initialize(address _owner, uint256 _limit) external { // expect: sol-unprotected-initializer
        owner = _owner;
        limit = _limit;
    }
}
