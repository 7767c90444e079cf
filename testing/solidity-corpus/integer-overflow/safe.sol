pragma solidity 0.4.24; // expect: sol-outdated-pragma

library SafeMath {
    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        require(b <= a);
        return a - b;
    }
    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 c = a + b;
        require(c >= a);
        return c;
    }
}

contract Token {
    using SafeMath for uint256;
    mapping(address => uint256) public balances;

    function transfer(address to, uint256 v) public { // expect: sol-short-address
        balances[msg.sender] = balances[msg.sender].sub(v);
        balances[to] = balances[to].add(v);
    }
}
