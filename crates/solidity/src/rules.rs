//! The Solidity rule catalogue: one entry per stable rule id, with SWC and DASP-10 tags.
//! `docs/solidity-rules.md` lists the same table (a test keeps them in step).

use palisade_scan::Severity;

/// How sure a detector is that a hit is a real bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Metadata of one rule.
#[derive(Debug)]
pub struct SolRule {
    pub id: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// SWC registry ids (`SWC-107`).
    pub swc: &'static [&'static str],
    /// DASP-10 category.
    pub dasp: &'static str,
    pub title: &'static str,
    /// What exactly the detector looks for (and what it leaves alone).
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

macro_rules! rule {
    ($id:literal, $sev:ident, $conf:ident, [$($swc:literal),*], $dasp:literal, $title:literal, $what:literal, $why:literal, $fix:literal) => {
        SolRule {
            id: $id,
            severity: Severity::$sev,
            confidence: Confidence::$conf,
            swc: &[$($swc),*],
            dasp: $dasp,
            title: $title,
            what: $what,
            why: $why,
            fix: $fix,
        }
    };
}

pub static RULES: &[SolRule] = &[
    rule!("sol-parse-error", Info, High, [], "n/a", "Solidity file not analysed",
        "The file has a syntax error at the newest Solidity version (0.4.11 to 0.8.x) its `pragma solidity` allows; the finding points at the first error.",
        "The file does not parse with any Solidity version its pragma allows, so none of the contract checks ran on it.",
        "Fix the syntax or the pragma; if the file is valid for solc, report the parser gap."),
    rule!("sol-reentrancy-eth", High, Medium, ["SWC-107"], "reentrancy", "Reentrancy: state written after an ETH-sending external call",
        "A public/external state-changing function without a lock-named modifier (`nonReentrant`, `lock`, `mutex`, `guard`) makes a call that forwards ETH with all gas (`call{value:}`, `.call.value()()`, `sendValue`, `functionCallWithValue`) and later writes a state variable (directly, through a `storage` reference, `delete`, `push`/`pop`, or in an internal function it calls, three levels deep). Events are ordered by evaluation (right side before the assignment), and a write anywhere in a loop that also holds the call counts as later. `send`/`transfer` (2,300 gas) do not trigger it. Cross-function: a function that holds a lock-named modifier is reported too when another public state-changing function without the lock (and without access control) reads the variable written after the call in a condition or an assigned value and then pays out or writes state other than by `+=` (re-entering `transfer` moves a balance `withdraw` is about to zero).",
        "An external call that forwards ETH and all remaining gas hands control to the callee before the function has updated its state; the callee can re-enter and act on the stale state (The DAO, many withdraw drains).",
        "Follow checks-effects-interactions: update state before the call, or guard the function (and every function sharing that state) with a reentrancy lock such as OpenZeppelin's `nonReentrant`."),
    rule!("sol-reentrancy-no-eth", Medium, Low, ["SWC-107"], "reentrancy", "Reentrancy: state written after an external call",
        "As `sol-reentrancy-eth` (including the cross-function case), for calls without ETH into contract-typed values (`token.transfer(..)`, `IERC20(a).transfer(..)`, interface-typed parameters and state). Library calls, `this.f()` and `staticcall` are not external calls here, and neither is a call into a contract the function has just deployed (`new C(..)`, `create2` in assembly).",
        "A call into another contract (a token, a hook, a callback) runs foreign code before the function has updated its state; a malicious or hooked token (ERC-777, ERC-721 receivers) can re-enter.",
        "Update state before the call, or use a reentrancy lock; treat tokens and receivers as untrusted code."),
    rule!("sol-reentrancy-read-only", Medium, Low, ["SWC-107"], "reentrancy", "Read-only reentrancy",
        "A function with a lock-named modifier makes an external call and writes a state variable afterwards, while a public `view` function of the same contract (without a lock check) reads that variable.",
        "During the call the state is half-updated; the lock stops re-entry into this contract's mutating functions but not into its views, and protocols that price or value assets from those views read stale numbers (Curve/Sentiment-style exploits).",
        "Update state before the external call, or make the views revert while the lock is held (`require(!_reentrancyGuardEntered())`)."),
    rule!("sol-tx-origin", High, Medium, ["SWC-115"], "access control", "Authorisation with tx.origin",
        "`tx.origin` compared (`==`, `!=`) with anything but `msg.sender`, or used as a mapping key (`admins[tx.origin]`).",
        "`tx.origin` is the externally owned account that started the transaction, not the caller: any contract the owner interacts with can call this one and pass the check (phishing).",
        "Compare `msg.sender` instead. `tx.origin == msg.sender` as an only-EOA check is not reported."),
    rule!("sol-unchecked-lowlevel", Medium, Medium, ["SWC-104"], "unchecked low-level calls", "Low-level call result ignored",
        "A `call`/`delegatecall`/`staticcall`/`callcode` whose result is dropped: the call is the whole statement, or its bool is declared (`(bool ok, ) = ..`) and never read afterwards.",
        "`call`, `delegatecall` and `staticcall` return `false` on failure instead of reverting; ignoring it lets execution continue as if the call succeeded (King of the Ether).",
        "Check the returned bool (`(bool ok, ) = to.call{..}(..); require(ok);`) or use OpenZeppelin `Address.functionCall`/`sendValue`."),
    rule!("sol-unchecked-send", Medium, Medium, ["SWC-104"], "unchecked low-level calls", "send() result ignored",
        "A `send` whose result is dropped (whole statement, or a bool never read).",
        "`send` returns `false` when the transfer fails (for example a receiver that needs more than 2,300 gas); ignoring it loses track of unpaid ETH.",
        "Check the result (`require(to.send(v))`), or use `call{value: v}` with a checked result and a pull-payment pattern."),
    rule!("sol-unchecked-transfer", Medium, Medium, ["SWC-104"], "unchecked low-level calls", "ERC-20 transfer result ignored",
        "`transfer(to, amount)` / `transferFrom(from, to, amount)` on a contract-typed value used as a whole statement. `safeTransfer`, one-argument ETH `transfer` and interfaces of this file that declare `transfer` without a return value (USDT-style) are not reported.",
        "Many ERC-20 tokens return `false` instead of reverting; an ignored `transfer`/`transferFrom` result lets a failed payment count as done.",
        "Use OpenZeppelin `SafeERC20` (`safeTransfer`, `safeTransferFrom`) or check the returned bool."),
    rule!("sol-arbitrary-send-erc20", High, Medium, ["SWC-105"], "access control", "transferFrom with an arbitrary from address",
        "`transferFrom(from, ..)` where `from` is a parameter of a public function that has no access control (no guard modifier, no `msg.sender` condition, no signature check).",
        "A public function moves tokens from an address the caller chooses: anyone can spend the allowance any user gave this contract.",
        "Use `msg.sender` as `from`, or restrict the function to trusted callers."),
    rule!("sol-arbitrary-send-eth", High, Medium, ["SWC-105"], "access control", "ETH sent to an arbitrary address",
        "ETH sent (`transfer`, `send`, `call{value:}`) to a parameter of a public function with no access control that never refers to `msg.sender` (paying out a caller's own recorded balance is not reported).",
        "A public function without access control sends the contract's ETH to an address supplied by the caller.",
        "Restrict the function (owner or role), or pay only `msg.sender` against a recorded balance."),
    rule!("sol-unprotected-selfdestruct", High, High, ["SWC-106"], "access control", "Unprotected selfdestruct",
        "`selfdestruct`/`suicide` reachable from a public function (directly or through internal calls) when neither the entry function nor the helper restricts its caller.",
        "Anyone can call a public function that reaches `selfdestruct`, destroying the contract and sending its ETH to an address of their choice (Parity wallet library).",
        "Remove `selfdestruct` (deprecated by EIP-6049), or restrict the function to the owner with a modifier or a `msg.sender` check."),
    rule!("sol-controlled-delegatecall", High, Medium, ["SWC-112"], "access control", "delegatecall to a caller-controlled address",
        "`delegatecall`/`callcode`/`functionDelegateCall` whose target is a parameter of a public function without access control.",
        "`delegatecall` runs foreign code with this contract's storage and balance; with the target chosen by the caller, anyone can overwrite the owner or drain funds.",
        "Delegate only to a fixed or owner-set implementation, and restrict who can change it."),
    rule!("sol-weak-prng", High, Medium, ["SWC-120"], "bad randomness", "Randomness from block values",
        "A modulo (`%`) whose left side uses `block.timestamp`, `now`, `blockhash` (also `block.blockhash`), `block.prevrandao`/`difficulty`/`number`/`coinbase`, or a local hashed from them; a hash of block values converted to a number; a comparison with a block hash. When the block value reaches the draw through a local, the finding points at the local's declaration, where the predictable value is read. A modulus of `2**k` or of 65,536 or more is a truncation, not a draw. One finding per function. A state variable named like a seed (`seed`, `salt`, `rand`, `entropy`) initialised from block values is reported at its declaration.",
        "`block.timestamp`, `blockhash`, `block.prevrandao`/`difficulty`, `block.number` and `block.coinbase` are known to (or chosen by) block producers and to any contract calling in the same block.",
        "Use a verifiable randomness source (Chainlink VRF) or a commit-reveal scheme."),
    rule!("sol-timestamp-equality", Low, Medium, ["SWC-116"], "time manipulation", "Strict comparison with block.timestamp",
        "`block.timestamp` or `now` as an operand of `==` (`!=`, as in one play per block, is left alone).",
        "Validators shift `block.timestamp` by seconds; a strict `==`/`!=` on it makes the branch a matter of luck or of the proposer's choice.",
        "Compare with ranges (`>=`, `<`) and tolerate a few seconds of drift."),
    rule!("sol-floating-pragma", Info, High, ["SWC-103"], "unknown unknowns", "Floating or missing version pragma",
        "A file declaring a deployable contract whose `pragma solidity` admits more than one compiler version, or that has no pragma. Files with only interfaces, libraries or abstract contracts are not reported.",
        "A contract that may compile with many compiler versions can be deployed with one that was not tested or has known bugs.",
        "Pin the version for deployable contracts (`pragma solidity 0.8.24;`); floating ranges suit libraries only."),
    rule!("sol-outdated-pragma", Low, High, ["SWC-102"], "arithmetic", "Outdated compiler version",
        "The pragma admits no compiler of 0.8.0 or later.",
        "The pragma only allows compilers older than 0.8.0: no checked arithmetic and many fixed compiler bugs.",
        "Move to a current 0.8.x compiler."),
    rule!("sol-unprotected-initializer", High, Medium, ["SWC-105"], "access control", "Unprotected initializer",
        "A public `init*` function (not `initiate*`) that installs an address (an owner, admin, address- or contract-typed state variable), without `initializer`/`reinitializer`-like modifiers, access control, or a condition on an init/owner/admin variable.",
        "A public `initialize`-style function without an `initializer` guard or access control can be called by anyone, or called again, to take ownership of the contract or of its implementation.",
        "Use OpenZeppelin `Initializable` (`initializer`), call `_disableInitializers()` in the implementation's constructor, and deploy and initialise atomically."),
    rule!("sol-missing-access-control", High, Medium, ["SWC-105"], "access control", "Privileged function without access control",
        "A public state-changing function that assigns an owner/admin state variable, or is named like set/change/transfer owner or admin, upgrade/setImplementation, pause/unpause, withdraw/sweep/rescue, or mint, or named with owner/admin and writing an owner/admin mapping or array (`newOwner(a) { owners[a] = .. }`) — or any `set`/`change`/`update` function storing a parameter in a plain state variable, with no reference to the caller, in a contract whose other public state-changing functions include a restricted one — without a guard modifier, a `msg.sender` (or `tx.origin`) condition, a `_checkOwner`-like helper or a signature check, itself or in what it calls. Withdrawals that refer to `msg.sender` and paid mints (payable, reading `msg.value`, pulling tokens with `transferFrom`, or minting against the contract's own `balanceOf(address(this))`) are not privileged. An empty `_authorizeUpgrade` override without a modifier is reported too, and so is any public function (of any name, including pre-0.5 functions left without a visibility keyword) that sends the contract's whole balance (`this.balance`, `address(this).balance`) with no condition at all.",
        "A public function that mints, withdraws, changes the owner or admin, upgrades or pauses has no modifier or `msg.sender` check: anyone can call it.",
        "Add an access check (`onlyOwner`, `onlyRole`, or `require(msg.sender == owner)`)."),
    rule!("sol-ecrecover-zero-address", Medium, Medium, ["SWC-122"], "access control", "ecrecover without a zero-address check",
        "A function calling `ecrecover` that never compares anything with `address(0)`.",
        "`ecrecover` returns `address(0)` for an invalid signature; compared with a signer that is unset (zero), any garbage signature passes.",
        "Reject `address(0)` (`require(signer != address(0))`) or use OpenZeppelin `ECDSA.recover`, which reverts."),
    rule!("sol-signature-replay", Medium, Low, ["SWC-121"], "access control", "Signature without nonce or chain id",
        "A function calling `ecrecover` whose body mentions no nonce, chain id, domain separator, deadline/expiry or used/executed/processed/claimed record.",
        "The signed message has no nonce, deadline or chain id and the contract does not record used signatures: the same signature can be replayed, here or on another chain.",
        "Sign EIP-712 data that includes a per-signer nonce, the chain id and the contract address, and mark signatures used."),
    rule!("sol-signature-malleability", Low, Low, ["SWC-117"], "access control", "ecrecover without an s-value bound",
        "A function calling `ecrecover` that indexes a mapping by the signature (`used[signature]`) without checking `s` against secp256k1n/2.",
        "For every ECDSA signature a second valid one exists (s' = n - s); code that marks signatures (not messages) as used can be replayed with the twin.",
        "Require `s <= secp256k1n/2` and `v` in {27, 28}, or use OpenZeppelin `ECDSA.recover`."),
    rule!("sol-msg-value-loop", High, Medium, [], "unknown unknowns", "msg.value inside a loop",
        "`msg.value` read inside a `for`/`while`/`do` loop.",
        "`msg.value` is the same in every iteration: a loop that credits it once per item credits the sender many times for one payment.",
        "Sum the amounts in the loop and compare the total with `msg.value` once."),
    rule!("sol-calls-loop", Low, Medium, ["SWC-113"], "denial of service", "External call inside a loop",
        "An external call (as defined for reentrancy, including `transfer`/`send`) inside a loop of a public function.",
        "One failing or gas-hungry recipient makes the whole loop revert, blocking everyone (push payments, batch operations).",
        "Use pull payments, or let the loop skip failures and record them."),
    rule!("sol-push-payment-dos", Medium, Medium, ["SWC-113"], "denial of service", "Payment to a recipient anyone can become must succeed",
        "A public function sends ETH with `transfer`, or with a `send`/`call` that must succeed (inside a `require`/`assert`, in an `if` whose branch throws or reverts, or whose success flag one of those checks later), to a state variable (a field of one, or a local copied from one) that any caller can set to themselves (`leader = msg.sender`, `highest.bidder = msg.sender`); functions restricted to a caller are left alone (they pay the party that calls them). Also, in any public function, such a payment inside a loop to an entry of a stored array or mapping (`list[i]`, `list[i].addr`, or a local read from one) that an unrestricted public function fills with `msg.sender` (`list.push(msg.sender)`, `list[n] = msg.sender`).",
        "A contract that reverts when it receives ETH becomes the recipient (or joins the list) and from then on every call reverts: the auction, game or payout is frozen for everyone (King of the Ether, SWC-113).",
        "Record refunds and let recipients withdraw them (pull payments) instead of sending them in the same transaction."),
    rule!("sol-encode-packed-collision", High, High, ["SWC-133"], "unknown unknowns", "abi.encodePacked of several dynamic values hashed",
        "`abi.encodePacked` with two or more arguments declared `string`, `bytes` or dynamic arrays, inside `keccak256`/`sha256`.",
        "`abi.encodePacked(a, b)` with two dynamic values is ambiguous (`(\"ab\",\"c\")` and `(\"a\",\"bc\")` encode alike), so hashes and signatures over it collide.",
        "Use `abi.encode`, or put at most one dynamic value in the packed encoding."),
    rule!("sol-locked-ether", Medium, High, [], "denial of service", "Contract accepts ETH but cannot send it",
        "A concrete contract (whole hierarchy in the file) with a payable function, `receive` or payable fallback, and no ETH-sending call, `selfdestruct`, `delegatecall` or assembly anywhere in it or its bases.",
        "The contract has payable functions but no way to send ETH out (no call with value, transfer, send or selfdestruct): ETH sent to it is locked forever.",
        "Add an owner-restricted withdrawal, or remove `payable`."),
    rule!("sol-uninitialized-storage", High, High, ["SWC-109"], "unknown unknowns", "Uninitialised storage pointer",
        "In files parsed as Solidity before 0.5, a local declared `storage` (or a struct local without location) and without a value.",
        "Before 0.5, a local `storage` variable declared without a value points at slot 0 and writes through it overwrite the first state variables (often the owner).",
        "Initialise the reference (`S storage s = items[i];`) or use `memory`; upgrade the compiler."),
    rule!("sol-integer-overflow", Medium, Low, ["SWC-101"], "arithmetic", "Arithmetic that can wrap",
        "Before 0.8.0, in a public function: a product of two caller inputs (even with SafeMath in the file). Without `using SafeMath` (in the file or an imported base), each of: `-=`/`*=` on a numeric state variable; `+=` of a value the caller chooses (a parameter or a computed local; sums of `msg.value` or of stored amounts cannot reach 2^256); assignment of a difference, a product or a sum with caller input; a local initialised with arithmetic on caller input and state (`uint res = count - input`); a product with a caller-chosen factor anywhere (`msg.value == n * PRICE`); `x--` on state — unless a `<`, `<=`, `>` or `>=` condition of the function bounds the same variable (tautologies such as `x - v >= 0` do not count). From 0.8.0: `+`, `-`, `*` (or their assignments) inside an `unchecked` block when no operand appears in any comparison of the function (loop counters `++i` are not reported).",
        "Before 0.8.0 arithmetic wraps silently; without SafeMath an addition or multiplication on a balance or supply can overflow (BEC token) and a subtraction can underflow.",
        "Use a 0.8.x compiler or SafeMath for every arithmetic on balances, supplies and amounts."),
    rule!("sol-unbounded-loop", Medium, Medium, ["SWC-128"], "denial of service", "Loop over (or reset of) an array anyone can grow",
        "A loop in a public function runs to the `.length` of a state array that any caller can grow through a public function without access control (`push`, or before 0.6 `length++`/`length += n`); or a public function clears such an array in one statement (`delete arr`, `arr.length = 0`, `arr = new T[](0)`), which zeroes every slot.",
        "Once the array is long enough the loop (or the reset, which writes every slot) exceeds the block gas limit and the function can never run again: an attacker only has to add entries.",
        "Bound the array, process it in pages (start index and count), let each entry be handled by its own transaction, or start a new round by moving to a fresh index or mapping key instead of zeroing the old array."),
    rule!("sol-incorrect-equality", Medium, Medium, ["SWC-132"], "denial of service", "Strict equality on a balance",
        "`==`/`!=` with `x.balance` or `balanceOf(..)` as an operand.",
        "Anyone can change a contract's ETH or token balance (forced ETH via selfdestruct, unsolicited transfers), so `balance == x` can be made false for good.",
        "Compare with `>=` or `<=`, or track deposits in a variable."),
    rule!("sol-shadowing-state", Medium, High, ["SWC-119"], "unknown unknowns", "State variable shadows a base contract's",
        "A state variable with the name of a state variable of a base contract in the same file.",
        "A derived contract declares a state variable with the name of one in a base contract: the base's functions use a different slot than the derived contract's.",
        "Remove the duplicate declaration and assign the base variable in the constructor."),
    rule!("sol-front-runnable-secret", Medium, Low, ["SWC-114"], "front running", "Reward for a revealed secret",
        "A public function (or fallback) whose condition compares a hash of a parameter or of `msg.data` with a value (`require(keccak256(answer) == hash)`, or a proof-of-work bound `sha256(msg.data) < target`) and that sends ETH, where the condition does not involve `msg.sender`.",
        "The answer travels in a pending transaction; anyone watching the mempool copies it with a higher fee and takes the reward.",
        "Use commit-reveal: commit `keccak256(answer, msg.sender, salt)` first, reveal in a later block."),
    rule!("sol-constructor-name", High, High, ["SWC-118"], "access control", "Misnamed constructor",
        "In code parsed as Solidity before 0.5, a public state-changing function whose name equals the contract's name except for case, in a contract that declares no `constructor`.",
        "Before 0.4.22 constructors were named after the contract; a misspelt name turns the constructor into a public function that anyone can call to become owner (Rubixi).",
        "Use the `constructor` keyword (0.4.22+) and a current compiler."),
    rule!("sol-approve-front-running", Low, Low, ["SWC-114"], "front running", "ERC-20 approve can be front-run",
        "A public `approve(spender, value)` that assigns an allowance without a zero-first condition.",
        "Changing an allowance from N to M with `approve` lets the spender front-run and spend N + M.",
        "Offer `increaseAllowance`/`decreaseAllowance`, or require the allowance to be zero before it is changed."),
    rule!("sol-default-visibility", High, Medium, ["SWC-100"], "access control", "Helper function public by default (before 0.5)",
        "In a pre-0.5 file, a state-changing function with no visibility keyword whose name starts with `_` (the convention for internal helpers), with no access check.",
        "Before Solidity 0.5 a function without a visibility keyword is public: a helper meant to be called only from inside the contract (`_sendWinnings`, `_transfer`) can be called by anyone.",
        "Declare every function's visibility (`internal`/`private` for helpers); Solidity 0.5 and later require it."),
    rule!("sol-timestamp-dependence", Low, Medium, ["SWC-116"], "time manipulation", "Payout decided by the block timestamp",
        "`now`/`block.timestamp` in the left operand of `%` (a game decided by the clock, directly or hashed: `uint(sha3(now)) % 2`; not a truncation such as `% 2**32`) in any function, or, in a public state-changing function, a comparison of the timestamp against a window of seconds or minutes (a `seconds`/`minutes` duration, a constant declared in them, a bare number under 900, or a state variable that a function sets to the timestamp plus such a window) in a condition of a function that sends ETH. Deadlines of hours or more are left alone.",
        "The miner (validator) chooses the block timestamp within a small tolerance; when seconds decide who is paid, the block producer decides.",
        "Do not derive outcomes from the timestamp; use windows of at least several minutes, block numbers with margins, or a commit-reveal or VRF for randomness."),
    rule!("sol-transaction-order", Medium, Low, ["SWC-114"], "front running", "Payout amount can change between transactions",
        "A public function sends ETH whose amount is a plain (non-constant, non-mapping) state variable, and another public function of the contract assigns that variable from `msg.value` or a parameter (or the same function does, on a branch exclusive with the payment: a fallback where the owner resets the reward and solvers are paid it).",
        "Whoever orders the transactions of a block (the block producer, or a front-runner paying more gas) decides whether the payout uses the old or the new amount: a claimant can be paid less than announced.",
        "Fix the amount per claim (pass the expected amount and require it), or lock the variable once claims are open."),
    rule!("sol-short-address", Low, Low, [], "short address", "Token transfer without a calldata length check (before 0.5)",
        "A public function of a pre-0.5 file that takes an `address` followed by a final `uint` amount, writes a mapping keyed by that address, and neither it nor its modifiers read `msg.data` (an `onlyPayloadSize` check).",
        "Before Solidity 0.5 the ABI decoder padded short calldata with zeros: a call with an address missing its last byte shifts the amount left by eight bits, and an exchange that does not validate addresses sends 256 times the tokens.",
        "Compile with Solidity 0.5 or later (short calldata reverts), or check `msg.data.length` in the function."),
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static SolRule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_prefixed() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(RULES.iter().all(|r| r.id.starts_with("sol-")));
    }
}
