pragma solidity 0.4.24; // expect: sol-outdated-pragma

contract Owned {
    address public owner;

    function Owned() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) throw;
        _;
    }

    function changeOwner(address _new) public onlyOwner {
        owner = _new;
    }
}

contract Vault is Owned {
    mapping(address => uint) balances;

    function deposit() public payable {
        require(balances[msg.sender] + msg.value >= balances[msg.sender]);
        balances[msg.sender] += msg.value;
    }

    function withdrawAll() public onlyOwner {
        msg.sender.transfer(this.balance);
    }

    function withdraw() public {
        uint amount = balances[msg.sender];
        balances[msg.sender] = 0;
        msg.sender.transfer(amount);
    }

    function sendTo(address receiver, uint amount) public {
        require(msg.sender == owner);
        receiver.transfer(amount);
    }

    function kill() public {
        require(msg.sender == owner);
        selfdestruct(owner);
    }

    uint public price;

    function setPrice(uint p) public onlyOwner {
        price = p;
    }

    // a user setting their own record is not an admin function
    mapping(address => string) public names;

    function setName(string n) public {
        names[msg.sender] = n;
    }

    function _payOut(address to) internal {
        to.transfer(this.balance);
    }
}
