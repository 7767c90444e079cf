pragma solidity 0.8.24;

contract WalletLibrary {
    address public owner;
    uint256 public limit;

    function initialize(address _owner, uint256 _limit) external { // expect: sol-unprotected-initializer
        owner = _owner;
        limit = _limit;
    }
}

// Parity-style: the owner list is an array of integers
contract Multiowned {
    uint256 public m_numOwners;
    uint256[256] m_owners;

    function initMultiowned(address[] memory _owners) public { // expect: sol-unprotected-initializer
        m_numOwners = _owners.length;
        for (uint256 i = 0; i < _owners.length; ++i) {
            m_owners[1 + i] = uint256(uint160(_owners[i]));
        }
    }
}
