pragma solidity 0.8.24;

import {Gate} from "../access/Gate.sol";

contract Treasury is Gate {
    function mint(address to, uint256 amount) external gated {
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    function withdrawAll(address payable to) external gated {
        to.transfer(address(this).balance);
    }

    receive() external payable {}
}
