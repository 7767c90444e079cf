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

contract Table {
    mapping(uint256 => uint256) public map;

    // named like an initializer, but installs no owner, admin or address
    function init(uint256 k, uint256 v) external {
        map[k] = v;
    }
}
