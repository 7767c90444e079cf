pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Token {
    mapping(address => uint256) public balances;
    uint256 public totalSupply;

    function batchTransfer(address[] _receivers, uint256 _value) public {
        uint256 amount = _receivers.length * _value; // expect: sol-integer-overflow
        balances[msg.sender] -= amount;
        for (uint256 i = 0; i < _receivers.length; i++) {
            balances[_receivers[i]] += _value;
        }
    }

    uint256[] bonusCodes;

    // the check is a tautology for an unsigned length
    function popBonusCode() public {
        require(0 <= bonusCodes.length);
        bonusCodes.length--; // expect: sol-integer-overflow
    }
}
