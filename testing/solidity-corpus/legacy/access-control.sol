pragma solidity 0.4.24; // expect: sol-outdated-pragma

// the constructor was renamed with the contract: anyone can claim the creator role
contract Pyramid {
    address private creator;
    uint private fees;

    function DynamicPyramid() public { // expect: sol-missing-access-control
        creator = msg.sender;
    }

    function collectAllFees() public {
        require(msg.sender == creator);
        creator.transfer(fees);
        fees = 0;
    }

    function() public payable {
        fees += msg.value / 10;
    }
}

contract Wallet {
    address public owner;
    mapping(address => uint) balances;

    constructor() public {
        owner = msg.sender;
    }

    function changeOwner(address _new) public { // expect: sol-missing-access-control
        owner = _new;
    }

    function deposit() public payable {
        assert(balances[msg.sender] + msg.value > balances[msg.sender]);
        balances[msg.sender] += msg.value;
    }

    // anyone takes every deposit
    function withdrawAll() public { // expect: sol-missing-access-control
        msg.sender.transfer(address(this).balance);
    }

    function refund() public {
        msg.sender.transfer(balances[msg.sender]);
        balances[msg.sender] = 0;
    }

    function sendTo(address receiver, uint amount) public {
        require(tx.origin == owner); // expect: sol-tx-origin
        receiver.transfer(amount);
    }

    function kill() public {
        suicide(msg.sender); // expect: sol-unprotected-selfdestruct
    }
}

// before 0.5 a function without a visibility keyword is public
contract Lotto {
    address public winner;
    uint public pot;

    function play() public payable {
        require(msg.value == 1 ether);
        pot += msg.value;
    }

    function _payWinner() { // expect: sol-missing-access-control sol-default-visibility
        winner = msg.sender;
        msg.sender.transfer(this.balance);
    }
}

contract PricedToken {
    address public owner;
    uint public sellPrice;
    uint public buyPrice;
    mapping(address => bool) public frozen;

    constructor() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    function freezeAccount(address target, bool freeze) public onlyOwner {
        frozen[target] = freeze;
    }

    // the author guards admin functions and forgot this one
    function setPrices(uint newSellPrice, uint newBuyPrice) public { // expect: sol-missing-access-control
        sellPrice = newSellPrice;
        buyPrice = newBuyPrice;
    }
}

contract Multisig {
    address[] public owners;
    uint public required;

    function initMultiowned(address[] _owners, uint _required) public { // expect: sol-unprotected-initializer
        owners = _owners;
        required = _required;
    }
}

contract MultiOwnable {
    address public root;
    mapping(address => address) public owners;

    constructor() public {
        root = msg.sender;
        owners[root] = root;
    }

    modifier onlyOwner() {
        require(owners[msg.sender] != 0);
        _;
    }

    // anyone can add an owner
    function newOwner(address _owner) external returns (bool) { // expect: sol-missing-access-control
        require(_owner != 0);
        owners[_owner] = msg.sender;
        return true;
    }

    function deleteOwner(address _owner) onlyOwner external returns (bool) {
        require(owners[_owner] == msg.sender || (owners[_owner] != 0 && msg.sender == root));
        owners[_owner] = 0;
        return true;
    }
}
