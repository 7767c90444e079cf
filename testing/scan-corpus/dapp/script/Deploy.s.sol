// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {Vault} from "../src/Vault.sol";

contract Deploy is Script {
    bytes32 constant SALT = 0x96b5c6c75aeba33b783c0f2042e0c814bb3930db465c0600bc54e27a6de0a704;

    function run() external {
        uint256 deployerKey = vm.envUint("PRIVATE_KEY");
        vm.startBroadcast(deployerKey);
        new Vault{salt: SALT}(msg.sender);
        vm.stopBroadcast();
    }
}
