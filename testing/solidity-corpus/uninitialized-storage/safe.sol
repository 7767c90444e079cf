pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract NameRegistrar {
    bool public unlocked = false;
    struct NameRecord { bytes32 name; address mappedAddress; }
    mapping(address => NameRecord) public registeredNameRecord;

    function register(bytes32 _name, address _mappedAddress) public {
        NameRecord memory newRecord;
        newRecord.name = _name;
        newRecord.mappedAddress = _mappedAddress;
        registeredNameRecord[_mappedAddress] = newRecord;
        NameRecord storage r = registeredNameRecord[msg.sender];
        r.name = _name;
        require(unlocked);
    }
}
