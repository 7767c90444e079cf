pragma solidity 0.8.24;

// neither file exists: the analysis goes on with what this file declares
import "./DoesNotExist.sol";
import "@nowhere/pkg/Base.sol";

contract Orphan is Base {
    address owner;

    function pause() external onlyOwner {
        paused = true;
    }

    function take() external {
        require(tx.origin == owner); // expect: sol-tx-origin
        payable(msg.sender).transfer(address(this).balance);
    }
}
