pragma solidity 0.8.24;

abstract contract Initializable {
    bool private _initialized;
    modifier initializer() {
        require(!_initialized, "already initialized");
        _initialized = true;
        _;
    }
}

contract WalletA is Initializable {
    address public owner;

    function initialize(address _owner) external initializer {
        owner = _owner;
    }
}

contract WalletB {
    address public owner;
    bool public initialized;

    function initialize(address _owner) external {
        require(!initialized, "done");
        initialized = true;
        owner = _owner;
    }
}
