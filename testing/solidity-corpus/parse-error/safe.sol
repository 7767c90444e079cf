pragma solidity 0.4.24; // expect: sol-outdated-pragma

// 0.4 syntax a newer parser rejects: throw, var, constant functions, unnamed fallback
contract Old {
    uint256 public x;

    function f(uint256 a) public constant returns (uint256) {
        if (a == 0) throw;
        var y = a;
        return y;
    }

    function () public payable { // expect: sol-locked-ether
        x = x + 1;
    }
}
