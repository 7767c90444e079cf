//! The detectors. Each looks at the model of one file and pushes [`Issue`]s.

use slang_solidity::cst::{EdgeLabel, NonterminalKind as NK, TerminalKind as TK};

use crate::model::{
    self, call_args, callee, conditions, events, external_call, is_ident, is_member, member,
    mentions_sender, root_ident, ContractKind, EventKind, FnKind, Function, Mutability, Unit,
};
use crate::tree::{Kind, Node};

/// One detector hit, before it becomes a scanner finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub rule: &'static str,
    /// Byte offset the issue points at.
    pub offset: usize,
    pub message: String,
}

pub struct Input<'a> {
    pub text: &'a str,
    pub root: &'a Node,
    pub unit: &'a Unit<'a>,
    /// Every language version the pragmas allow (ascending).
    pub versions: Vec<(u64, u64, u64)>,
    /// The version the file was parsed with.
    pub version: (u64, u64, u64),
}

pub fn run(inp: &Input<'_>, out: &mut Vec<Issue>) {
    pragma(inp, out);
    for (c, f) in inp.unit.local_functions() {
        if c.kind == ContractKind::Interface {
            continue;
        }
        let Some(body) = f.body else { continue };
        reentrancy(inp, f, out);
        tx_origin(body, out);
        unchecked_calls(inp, f, body, out);
        selfdestruct(inp, f, body, out);
        delegatecall(inp, f, body, out);
        weak_prng(body, out);
        timestamp_equality(body, out);
        initializer(inp, f, out);
        access_control(inp, f, out);
        if c.kind != ContractKind::Library {
            signatures(f, body, out);
        }
        loops(inp, f, body, out);
        encode_packed(inp, f, body, out);
        arbitrary_send(inp, f, body, out);
        uninitialized_storage(inp, f, out);
        overflow(inp, f, body, out);
        unchecked_block(inp, f, body, out);
        unbounded_loop(inp, f, body, out);
        clears_unbounded_array(inp, f, body, out);
        incorrect_equality(body, out);
        approve(f, out);
        front_run_secret(inp, f, body, out);
        push_payment_dos(inp, f, body, out);
        loop_payment_dos(inp, f, body, out);
        timestamp_dependence(inp, f, body, out);
        default_visibility(inp, f, out);
        transaction_order(inp, f, out);
        short_address(inp, f, body, out);
    }
    locked_ether(inp, out);
    seed_state(inp, out);
    constructor_name(inp, out);
    shadowing(inp, out);
}

fn push(out: &mut Vec<Issue>, rule: &'static str, at: &Node, message: String) {
    out.push(Issue {
        rule,
        offset: at.start,
        message,
    });
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn calls(body: &Node) -> Vec<&Node> {
    let mut v = Vec::new();
    body.find_all(&|n| n.is(NK::FunctionCallExpression), &mut v);
    v
}

/// Name of a called member (`x.foo(..)` → `foo`) after stripping call options.
fn called_member(call: &Node) -> Option<(&Node, &str)> {
    callee(call).and_then(|(op, _)| member(op))
}

fn called_ident(call: &Node) -> Option<&str> {
    call.child(EdgeLabel::Operand)
        .filter(|o| o.is_token(TK::Identifier))
        .map(|o| o.text.as_str())
}

// ------------------------------------------------------------------ pragma

fn pragma(inp: &Input<'_>, out: &mut Vec<Issue>) {
    let mut pragmas = Vec::new();
    inp.root
        .find_all(&|n| n.is(NK::VersionPragma), &mut pragmas);
    let at = pragmas.first().copied().unwrap_or(inp.root);
    // files with only interfaces or libraries are meant to float
    let deployable = inp
        .unit
        .local_contracts()
        .iter()
        .any(|c| c.kind == ContractKind::Contract);
    if pragmas.is_empty() {
        if deployable {
            push(
                out,
                "sol-floating-pragma",
                at,
                "no `pragma solidity`: any compiler version may be used".into(),
            );
        }
        return;
    }
    let text = pragmas
        .iter()
        .map(|p| {
            p.child(EdgeLabel::Sets)
                .map(Node::compact)
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(max) = inp.versions.last() {
        if *max < (0, 8, 0) {
            push(out, "sol-outdated-pragma", at, format!(
                "`pragma solidity {text}` allows only compilers up to {}.{}.{}, without checked arithmetic",
                max.0, max.1, max.2
            ));
        }
    }
    if deployable && inp.versions.len() > 1 {
        push(
            out,
            "sol-floating-pragma",
            at,
            format!(
                "`pragma solidity {text}` is floating: pin one compiler version for deployment"
            ),
        );
    }
}

// ------------------------------------------------------------------ reentrancy

const LOCK_WORDS: &[&str] = &[
    "nonreentrant",
    "noreentran",
    "reentrancy",
    "lock",
    "mutex",
    "guard",
];

/// The first external call (full gas, not a view call) followed by a state write in `f`:
/// `(call, (write, write is in this file), variable, ETH attached)`.
fn call_then_write<'a>(
    inp: &'a Input<'a>,
    f: &'a Function<'a>,
) -> Option<(&'a Node, (&'a Node, bool), String, bool)> {
    let ev = events(inp.unit, f);
    for (i, e) in ev.iter().enumerate() {
        let EventKind::ExternalCall { value, stipend, .. } = e.kind else {
            continue;
        };
        // a call inside an imported base is reported when that file is analysed
        if stipend || !e.local {
            continue;
        }
        if callee(e.node)
            .and_then(|(op, _)| member(op))
            .is_some_and(|(_, m)| m == "staticcall" || view_call(inp, m))
        {
            continue;
        }
        // a contract this function has just deployed runs only code the caller chose to deploy
        if freshly_deployed(f, e.node) {
            continue;
        }
        let write = ev.iter().enumerate().find(|(j, w)| {
            matches!(w.kind, EventKind::StateWrite { .. })
                && *j != i
                && model::after(e, i, w, *j)
                && !is_restore(f, w.node)
        });
        if let Some((_, w)) = write {
            if let EventKind::StateWrite { var } = &w.kind {
                return Some((e.node, (w.node, w.local), var.clone(), value));
            }
        }
    }
    None
}

/// The receiver of `call` is a local this function assigned from `new C(..)` or from
/// `create`/`create2` in assembly (`IPair(pair).initialize(..)` right after deploying `pair`).
fn freshly_deployed(f: &Function<'_>, call: &Node) -> bool {
    let Some((op, _)) = callee(call) else {
        return false;
    };
    let Some((base, _)) = member(op) else {
        return false;
    };
    // `IPair(pair)`: look through a conversion
    let target = if base.is(NK::FunctionCallExpression) && call_args(base).len() == 1 {
        call_args(base).first().and_then(|a| root_ident(a))
    } else {
        root_ident(base)
    };
    // a local or a named return value, never a parameter the caller passes
    let Some(t) = target.filter(|t| f.param(&t.text).is_none()) else {
        return false;
    };
    let is_new = |n: &Node| n.any(&|x| x.is(NK::NewExpression));
    if f.local(&t.text)
        .and_then(|v| model::decl_value(v.node))
        .is_some_and(is_new)
    {
        return true;
    }
    f.body.is_some_and(|b| {
        b.any(&|n| {
            (n.is(NK::AssignmentExpression)
                && n.child(EdgeLabel::LeftOperand)
                    .is_some_and(|l| is_ident(l, &t.text))
                && n.child(EdgeLabel::RightOperand).is_some_and(is_new))
                || (n.is(NK::AssemblyStatement)
                    && n.compact().contains(&format!("{}:=create", t.text)))
        })
    })
}

fn reentrancy(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    if !f.is_entry() || !f.changes_state() {
        return;
    }
    if f.has_modifier_like(LOCK_WORDS) {
        if !model::is_protected(inp.unit, f) && cross_function_reentrancy(inp, f, out) {
            return;
        }
        read_only_reentrancy(inp, f, out);
        return;
    }
    // a re-entrant caller would have to pass the same access check
    if model::is_protected(inp.unit, f) {
        return;
    }
    if let Some((call, (write, write_local), var, value)) = call_then_write(inp, f) {
        let rule = if value {
            "sol-reentrancy-eth"
        } else {
            "sol-reentrancy-no-eth"
        };
        let at = if write_local {
            format!("line {}", line_of(inp.text, write.start))
        } else {
            "in an imported base".into()
        };
        push(out, rule, call, format!(
            "`{}` makes an external call{} and then writes `{var}` ({at}): a re-entrant call sees the old value",
            f.name,
            if value { " with ETH" } else { "" },
        ));
    }
}

/// State variables written after `call` in `f` (in event order).
fn written_after(inp: &Input<'_>, f: &Function<'_>, call: &Node) -> Vec<String> {
    let ev = events(inp.unit, f);
    let Some((i, e)) = ev
        .iter()
        .enumerate()
        .find(|(_, e)| std::ptr::eq(e.node, call))
    else {
        return Vec::new();
    };
    let mut vars: Vec<String> = Vec::new();
    for (j, w) in ev.iter().enumerate() {
        if let EventKind::StateWrite { var } = &w.kind {
            if j != i && model::after(e, i, w, j) && !is_restore(f, w.node) && !vars.contains(var) {
                vars.push(var.clone());
            }
        }
    }
    vars
}

/// Cross-function reentrancy past a lock: `f` holds a lock-named modifier, makes a full-gas
/// external call and writes `x` afterwards, while another public state-changing function
/// without the lock (and without access control) reads `x` and writes state — the callee
/// re-enters that function and acts on the stale `x` (moves a balance `f` is about to zero).
fn cross_function_reentrancy(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) -> bool {
    let Some((call, _, _, value)) = call_then_write(inp, f) else {
        return false;
    };
    let vars = written_after(inp, f, call);
    let c = &inp.unit.contracts[f.contract];
    let hit = c
        .linear
        .iter()
        .flat_map(|&k| inp.unit.contracts[k].functions.iter())
        .filter(|g| {
            !std::ptr::eq(*g, f)
                && g.is_entry()
                && g.changes_state()
                && g.name != f.name
                && !g.has_modifier_like(LOCK_WORDS)
                && !model::is_protected(inp.unit, g)
        })
        .find_map(|g| {
            let b = g.body?;
            // a function that checks the lock itself
            if b.any(&|n| {
                n.is_token(TK::Identifier) && {
                    let t = n.text.to_ascii_lowercase();
                    t.contains("reentran") || t.contains("locked") || t.contains("mutex")
                }
            }) {
                return None;
            }
            // it decides on the value (a condition) or moves it (the right side of an
            // assignment, a local's value); `x[a] += v` alone only adds to it
            let uses = |n: &Node, v: &str| n.any(&|i| i.is_token(TK::Identifier) && i.text == v);
            let conds = conditions(b);
            let var = vars.iter().find(|v| {
                conds.iter().any(|c| uses(c, v))
                    || b.any(&|n| {
                        (n.is(NK::AssignmentExpression)
                            && n.child(EdgeLabel::RightOperand).is_some_and(|r| uses(r, v)))
                            || (n.is(NK::VariableDeclarationStatement)
                                && model::decl_value(n).is_some_and(|r| uses(r, v)))
                    })
            })?;
            // it acts on the value: pays out, or writes state other than by adding to it
            // (a deposit's `x[a] += msg.value` gains nothing from a stale `x`)
            events(inp.unit, g)
                .iter()
                .any(|e| match e.kind {
                    EventKind::StateWrite { .. } => {
                        !(e.node.is(NK::AssignmentExpression)
                            && e.node.children.iter().any(|c| c.is_token(TK::PlusEqual)))
                    }
                    EventKind::ExternalCall { .. } => true,
                })
                .then(|| (g, var.clone()))
        });
    let Some((g, var)) = hit else {
        return false;
    };
    let rule = if value {
        "sol-reentrancy-eth"
    } else {
        "sol-reentrancy-no-eth"
    };
    push(out, rule, call, format!(
        "`{}` is locked but writes `{var}` after this external call; `{}` has no lock, reads `{var}` and changes state: the callee can re-enter it with the old value (cross-function reentrancy)",
        f.name, g.name
    ));
    true
}

/// A locked function leaves state stale during an external call; a public view function of
/// the same contract that reads that state has no lock, so other protocols calling it from the
/// callee read the stale value (the Curve `get_virtual_price` class of bugs).
fn read_only_reentrancy(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    let Some((call, _, var, _)) = call_then_write(inp, f) else {
        return;
    };
    let c = &inp.unit.contracts[f.contract];
    let reader = c
        .linear
        .iter()
        .flat_map(|&k| inp.unit.contracts[k].functions.iter())
        .find(|g| {
            g.is_entry()
                && matches!(g.mutability, Mutability::View)
                && !g.has_modifier_like(LOCK_WORDS)
                && g.body.is_some_and(|b| {
                    b.any(&|n| n.is_token(TK::Identifier) && n.text == var)
                        // a view that checks the lock itself (`_reentrancyGuardEntered()`)
                        && !b.any(&|n| {
                            n.is_token(TK::Identifier) && {
                                let t = n.text.to_ascii_lowercase();
                                t.contains("reentran") || t.contains("locked")
                            }
                        })
                })
        });
    if let Some(g) = reader {
        push(out, "sol-reentrancy-read-only", call, format!(
            "`{}` is locked but writes `{var}` after this external call; the unlocked view `{}` reads `{var}` and returns a stale value meanwhile",
            f.name, g.name
        ));
    }
}

/// A call the compiler makes with STATICCALL (so the callee cannot change state or re-enter
/// with effect): a function declared `view`/`pure` in an interface or contract of this file,
/// or, for imported interfaces, a getter by its standard name.
fn view_call(inp: &Input<'_>, name: &str) -> bool {
    let declared: Vec<&Function<'_>> = inp
        .unit
        .functions()
        .map(|(_, f)| f)
        .filter(|f| f.name == name && f.kind == FnKind::Function)
        .collect();
    if !declared.is_empty() {
        return declared
            .iter()
            .all(|f| matches!(f.mutability, Mutability::View | Mutability::Pure));
    }
    const GETTERS: &[&str] = &[
        "balanceOf",
        "allowance",
        "totalSupply",
        "decimals",
        "symbol",
        "name",
        "owner",
        "latestRoundData",
        "latestAnswer",
        "getReserves",
        "supportsInterface",
        "nonces",
        "totalAssets",
        "asset",
        "token0",
        "token1",
        "factory",
        "ownerOf",
        "getApproved",
        "isApprovedForAll",
        "tokenURI",
        "clock",
        "CLOCK_MODE",
    ];
    GETTERS.contains(&name)
        || ["get", "is", "has", "preview", "convertTo", "max", "quote"]
            .iter()
            .any(|p| {
                name.strip_prefix(p)
                    .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            })
}

/// `x = saved;` where `saved` was read from `x` earlier: the save/restore pattern
/// (`_executionId = before;`) puts back the value a re-entrant call could have seen.
fn is_restore(f: &Function<'_>, w: &Node) -> bool {
    if !w.is(NK::AssignmentExpression) || !w.children.iter().any(|c| c.is_token(TK::Equal)) {
        return false;
    }
    let (Some(l), Some(r)) = (
        w.child(EdgeLabel::LeftOperand),
        w.child(EdgeLabel::RightOperand),
    ) else {
        return false;
    };
    let target = l.compact();
    r.is_token(TK::Identifier)
        && f.local(&r.text).is_some_and(|v| {
            v.node
                .child(EdgeLabel::Value)
                .is_some_and(|val| val.compact().contains(&target))
        })
}

// ------------------------------------------------------------------ tx.origin

fn tx_origin(body: &Node, out: &mut Vec<Issue>) {
    body.walk(&mut |n| {
        if n.is(NK::EqualityExpression) {
            let l = n.child(EdgeLabel::LeftOperand);
            let r = n.child(EdgeLabel::RightOperand);
            if let (Some(l), Some(r)) = (l, r) {
                let lo = is_member(l, "tx", "origin");
                let ro = is_member(r, "tx", "origin");
                let other = if lo { r } else { l };
                if (lo || ro)
                    && !is_member(other, "msg", "sender")
                    && !is_member(other, "tx", "origin")
                {
                    push(
                        out,
                        "sol-tx-origin",
                        n,
                        format!("`{}` authorises with tx.origin", n.tokens()),
                    );
                }
            }
        }
        true
    });
    // `require(admins[tx.origin])`: a flag looked up by tx.origin inside a condition (not
    // `credit[tx.origin] += v`, and not an amount compared with `>=`)
    for cond in conditions(body) {
        cond.walk(&mut |n| {
            if n.is(NK::InequalityExpression) {
                return false;
            }
            if n.is(NK::IndexAccessExpression)
                && n.child(EdgeLabel::Start)
                    .is_some_and(|s| is_member(s, "tx", "origin"))
            {
                push(
                    out,
                    "sol-tx-origin",
                    n,
                    format!("`{}` authorises with tx.origin", n.tokens()),
                );
            }
            true
        });
    }
}

// ------------------------------------------------------------------ unchecked results

/// The statement directly containing `call` discards its value.
fn discarded(body: &Node, call: &Node) -> bool {
    let mut found = false;
    body.walk(&mut |n| {
        if found {
            return false;
        }
        if n.is(NK::ExpressionStatement)
            && n.child(EdgeLabel::Expression)
                .is_some_and(|e| std::ptr::eq(e, call))
        {
            found = true;
        }
        true
    });
    found
}

/// A bool from `(bool ok, ) = x.call(..)` or `bool ok = x.send(..)` that is never read later.
fn result_unused(body: &Node, call: &Node) -> Option<bool> {
    let mut decl: Option<(&Node, Option<String>)> = None;
    body.walk(&mut |n| {
        if decl.is_some() {
            return false;
        }
        if n.is(NK::TupleDeconstructionStatement) || n.is(NK::VariableDeclarationStatement) {
            let holds = n.any(&|c| std::ptr::eq(c, call));
            if holds {
                let name = if n.is(NK::VariableDeclarationStatement) {
                    n.child(EdgeLabel::Name).map(|x| x.text.clone())
                } else {
                    // first tuple element is the success flag
                    n.child(EdgeLabel::Elements)
                        .and_then(|els| {
                            els.children.iter().find(|c| {
                                c.is(NK::TupleDeconstructionElement) || c.label == EdgeLabel::Item
                            })
                        })
                        .and_then(|el| {
                            let mut ids = Vec::new();
                            el.find_all(
                                &|c| c.is_token(TK::Identifier) && c.label == EdgeLabel::Name,
                                &mut ids,
                            );
                            ids.first().map(|i| i.text.clone())
                        })
                };
                decl = Some((n, name));
            }
        }
        true
    });
    let (stmt, name) = decl?;
    let Some(name) = name else { return Some(true) };
    let mut used = false;
    body.walk(&mut |n| {
        if n.start > stmt.end && is_ident(n, &name) {
            used = true;
        }
        !used
    });
    Some(!used)
}

fn unchecked_calls(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    for c in calls(body) {
        let Some((_, m)) = called_member(c) else {
            continue;
        };
        let nargs = call_args(c).len();
        let ignored = || discarded(body, c) || result_unused(body, c) == Some(true);
        let erc20 = || {
            matches!(
                external_call(inp.unit, f, c),
                Some(EventKind::ExternalCall {
                    low_level: false,
                    ..
                })
            )
        };
        // `x.call.value(v)` is an inner call whose parent is the real call
        let hit: Option<(&'static str, String)> = match m {
            "call" | "delegatecall" | "staticcall" | "callcode"
                if external_call(inp.unit, f, c).is_some() && ignored() =>
            {
                Some((
                    "sol-unchecked-lowlevel",
                    format!("the result of `.{m}` is not checked"),
                ))
            }
            "send" if nargs == 1 && ignored() => Some((
                "sol-unchecked-send",
                "the result of `.send` is not checked".into(),
            )),
            "transfer" | "transferFrom"
                if nargs >= 2
                    && erc20()
                    && discarded(body, c)
                    && !returns_nothing(inp, f, c, m) =>
            {
                Some((
                    "sol-unchecked-transfer",
                    format!("the bool returned by ERC-20 `{m}` is ignored"),
                ))
            }
            _ => None,
        };
        if let Some((rule, msg)) = hit {
            push(out, rule, c, msg);
        }
    }
}

/// Every declaration of `name` in this file returns nothing (a USDT-style interface): there is
/// no bool to check.
fn returns_nothing(inp: &Input<'_>, f: &Function<'_>, call: &Node, name: &str) -> bool {
    // the receiver's declared type, when it is a contract or interface of this file
    let ty = called_member(call).and_then(|(base, _)| {
        if base.is_token(TK::Identifier) {
            f.param(&base.text)
                .or_else(|| f.local(&base.text))
                .or_else(|| inp.unit.state_var(f.contract, &base.text))
                .map(|v| v.ty.clone())
        } else if base.is(NK::FunctionCallExpression) {
            base.child(EdgeLabel::Operand)
                .filter(|o| o.is_token(TK::Identifier))
                .map(|o| o.text.clone())
        } else {
            None
        }
    });
    let decls: Vec<&Function<'_>> = match ty.and_then(|t| inp.unit.contract_index(&t)) {
        Some(ci) => inp.unit.lookup(ci, name),
        None => inp
            .unit
            .functions()
            .map(|(_, f)| f)
            .filter(|f| f.name == name && f.kind == FnKind::Function)
            .collect(),
    };
    !decls.is_empty()
        && decls
            .iter()
            .all(|f| f.node.child(EdgeLabel::Returns).is_none())
}

// ------------------------------------------------------------------ selfdestruct, delegatecall

fn selfdestruct(inp: &Input<'_>, f: &Function<'_>, _body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    let mut protected = None;
    for g in model::reachable(inp.unit, f) {
        let Some(b) = g.body else { continue };
        for c in calls(b) {
            if !matches!(called_ident(c), Some("selfdestruct" | "suicide")) {
                continue;
            }
            // an internal helper guarded on its own counts as protected too
            if *protected.get_or_insert_with(|| model::is_protected(inp.unit, f))
                || model::is_protected(inp.unit, g)
            {
                return;
            }
            let via = if std::ptr::eq(g, f) {
                String::new()
            } else {
                format!(" (through `{}`)", g.name)
            };
            // a helper in an imported base: point at the function that reaches it
            let at = if inp.unit.is_local(g.contract) {
                c
            } else {
                f.node
            };
            push(
                out,
                "sol-unprotected-selfdestruct",
                at,
                format!(
                    "anyone can call `{}`, which self-destructs the contract{via}",
                    f.name
                ),
            );
        }
    }
}

fn delegatecall(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    for c in calls(body) {
        let Some((base, m)) = called_member(c) else {
            continue;
        };
        if !matches!(m, "delegatecall" | "callcode" | "functionDelegateCall") {
            continue;
        }
        let target = if m == "functionDelegateCall" {
            // `Address.functionDelegateCall(target, data)` or `target.functionDelegateCall(data)`
            if base.is_token(TK::Identifier) && base.text == "Address" {
                call_args(c).first().and_then(|a| root_ident(a))
            } else {
                root_ident(base)
            }
        } else {
            root_ident(base)
        };
        let Some(t) = target else { continue };
        if f.param(&t.text).is_some() && !model::is_protected(inp.unit, f) {
            push(
                out,
                "sol-controlled-delegatecall",
                c,
                format!(
                    "`{}` delegatecalls `{}`, a parameter the caller chooses",
                    f.name, t.text
                ),
            );
        }
    }
}

// ------------------------------------------------------------------ randomness and time

fn block_source(n: &Node) -> Option<String> {
    let mut found = None;
    n.walk(&mut |c| {
        if found.is_some() {
            return false;
        }
        if let Some((base, m)) = member(c) {
            if is_ident(base, "block")
                && matches!(
                    m,
                    "timestamp" | "difficulty" | "prevrandao" | "number" | "coinbase" | "gaslimit"
                )
            {
                found = Some(format!("block.{m}"));
            }
        }
        if is_ident(c, "now") {
            found = Some("now".into());
        }
        if c.is(NK::FunctionCallExpression) && called_ident(c) == Some("blockhash") {
            found = Some("blockhash".into());
        }
        if c.is(NK::FunctionCallExpression)
            && c.child(EdgeLabel::Operand)
                .is_some_and(|o| is_member(o, "block", "blockhash"))
        {
            found = Some("blockhash".into());
        }
        true
    });
    found
}

fn weak_prng(body: &Node, out: &mut Vec<Issue>) {
    // locals assigned from a hash of block values (or a block hash), with their declarations:
    // a finding on a use points at the declaration, where the predictable value is read
    let mut seeded: Vec<(String, &Node)> = Vec::new();
    body.walk(&mut |n| {
        if n.is(NK::VariableDeclarationStatement) {
            if let (Some(name), Some(v)) = (n.child(EdgeLabel::Name), n.child(EdgeLabel::Value)) {
                if (hashes(v) && block_source(v).is_some())
                    || block_source(v).as_deref() == Some("blockhash")
                {
                    seeded.push((name.text.clone(), n));
                }
            }
        }
        true
    });
    let seed_of = |name: &str| seeded.iter().find(|(s, _)| s == name).map(|(_, d)| *d);
    // one finding per function: the first place block values become a number
    let mut done = false;
    body.walk(&mut |n| {
        if done {
            return false;
        }
        if n.is(NK::MultiplicativeExpression)
            && n.children.iter().any(|c| c.is_token(TK::Percent))
            && !truncation(n)
        {
            let src = n.child(EdgeLabel::LeftOperand).and_then(|l| {
                block_source(l).map(|s| (s, n)).or_else(|| {
                    let mut ids = Vec::new();
                    l.find_all(
                        &|c| c.is_token(TK::Identifier) && seed_of(&c.text).is_some(),
                        &mut ids,
                    );
                    ids.first().and_then(|i| {
                        Some((
                            format!("`{}` (taken from block values)", i.text),
                            seed_of(&i.text)?,
                        ))
                    })
                })
            });
            if let Some((s, at)) = src {
                push(
                    out,
                    "sol-weak-prng",
                    at,
                    format!("`{}` draws a random number from {s}", n.tokens()),
                );
                done = true;
                return false;
            }
        }
        // `uint8(keccak256(block.blockhash(..), now))`: a hash of block values made a number
        if n.is(NK::FunctionCallExpression)
            && n.child(EdgeLabel::Operand).is_some_and(|o| {
                o.is(NK::ElementaryType)
                    || matches!(
                        o.kind,
                        crate::tree::Kind::Token(TK::UintKeyword | TK::IntKeyword)
                    )
            })
            && call_args(n).len() == 1
            && call_args(n).first().is_some_and(|a| hashes(a))
        {
            if let Some(src) = block_source(n) {
                push(
                    out,
                    "sol-weak-prng",
                    n,
                    format!("`{}` turns a hash of {src} into a number", n.tokens()),
                );
                done = true;
                return false;
            }
        }
        // a guess compared with a block hash (`guess == blockhash(n)`)
        if n.is(NK::EqualityExpression) {
            let operands = || {
                n.children
                    .iter()
                    .filter(|c| matches!(c.label, EdgeLabel::LeftOperand | EdgeLabel::RightOperand))
            };
            let direct = operands().any(|c| block_source(c).as_deref() == Some("blockhash"));
            let seed = operands().find_map(|c| {
                c.is_token(TK::Identifier)
                    .then(|| seed_of(&c.text))
                    .flatten()
            });
            if direct || seed.is_some() {
                push(
                    out,
                    "sol-weak-prng",
                    if direct { n } else { seed.unwrap_or(n) },
                    format!("`{}` compares with a value known in the block", n.tokens()),
                );
                done = true;
                return false;
            }
        }
        true
    });
}

/// `x % 2**32` (or a modulus of 65536 or more): a truncation to a narrower type, not a draw.
fn truncation(modulo: &Node) -> bool {
    modulo.child(EdgeLabel::RightOperand).is_some_and(|r| {
        r.is(NK::ExponentiationExpression) || r.compact().parse::<u128>().is_ok_and(|v| v >= 65_536)
    })
}

fn hashes(n: &Node) -> bool {
    n.any(&|c| {
        c.is(NK::FunctionCallExpression)
            && matches!(called_ident(c), Some("keccak256" | "sha3" | "sha256"))
    })
}

fn timestamp_equality(body: &Node, out: &mut Vec<Issue>) {
    body.walk(&mut |n| {
        // `now != last` (one play per block) is not an exact-time condition
        if n.is(NK::EqualityExpression) && n.children.iter().any(|c| c.is_token(TK::EqualEqual)) {
            let uses = n
                .children
                .iter()
                .filter(|c| c.label == EdgeLabel::LeftOperand || c.label == EdgeLabel::RightOperand)
                .any(|c| is_member(c, "block", "timestamp") || is_ident(c, "now"));
            if uses {
                push(
                    out,
                    "sol-timestamp-equality",
                    n,
                    format!("`{}` compares block.timestamp strictly", n.tokens()),
                );
            }
        }
        true
    });
}

// ------------------------------------------------------------------ access control

fn writes_state(inp: &Input<'_>, f: &Function<'_>) -> bool {
    events(inp.unit, f)
        .iter()
        .any(|e| matches!(e.kind, EventKind::StateWrite { .. }))
}

fn initializer(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    let lower = f.name.to_ascii_lowercase();
    let init_like = lower.starts_with("init") && !lower.starts_with("initiat");
    if !f.is_entry() || !init_like {
        return;
    }
    if f.has_modifier_like(&["initializer", "initializing", "reinitializer"])
        || model::is_protected(inp.unit, f)
    {
        return;
    }
    let Some(body) = f.body else { return };
    // a hand-written guard: a condition on a state flag named like `initialized`
    let guarded = conditions(body).iter().any(|c| {
        c.any(&|n| {
            n.is_token(TK::Identifier) && {
                let t = n.text.to_ascii_lowercase();
                t.contains("init") || t.contains("owner") || t.contains("admin")
            }
        })
    });
    // what makes an initializer dangerous is who it installs: an owner, admin or other address
    let installs = events(inp.unit, f).iter().any(|e| match &e.kind {
        EventKind::StateWrite { var } => inp.unit.state_var(f.contract, var).is_some_and(|v| {
            let l = var.to_ascii_lowercase();
            // `m_owners[i] = uint(_owners[i])` (Parity) counts as much as `owner = _owner`
            v.ty.starts_with("address")
                || l.contains("owner")
                || l.contains("admin")
                || is_contract_type_name(&v.ty)
        }),
        _ => false,
    });
    if !guarded && installs {
        push(
            out,
            "sol-unprotected-initializer",
            f.node,
            format!("`{}` can be called by anyone, at any time", f.name),
        );
    }
}

/// Names of privileged functions, lower-case, with how they match.
fn privileged(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let exact = [
        ("setowner", "set owner"),
        ("changeowner", "set owner"),
        ("transferownership", "set owner"),
        ("setadmin", "set admin"),
        ("changeadmin", "set admin"),
        ("addowner", "set owner"),
        ("upgradeto", "upgrade"),
        ("upgradetoandcall", "upgrade"),
        ("setimplementation", "upgrade"),
        ("upgrade", "upgrade"),
        ("pause", "pause"),
        ("unpause", "pause"),
        ("setpaused", "pause"),
        ("withdrawall", "withdraw"),
        ("emergencywithdraw", "withdraw"),
        ("sweep", "withdraw"),
        ("rescuetokens", "withdraw"),
        ("withdrawfunds", "withdraw"),
        ("withdraw", "withdraw"),
        ("mint", "mint"),
        ("_authorizeupgrade", "upgrade"),
    ];
    exact
        .iter()
        .find(|(k, _)| *k == n)
        .map(|(_, v)| *v)
        .or_else(|| {
            if n.starts_with("mint") {
                Some("mint")
            } else {
                None
            }
        })
}

/// A `set`/`change`/`update` function that stores a parameter in a plain state variable, with
/// no reference to the caller, in a contract where some other public function is restricted:
/// the author guards admin functions, and this one was missed.
fn unguarded_setter(inp: &Input<'_>, f: &Function<'_>, body: &Node) -> bool {
    let lower = f.name.trim_start_matches('_').to_ascii_lowercase();
    if !["set", "change", "update"]
        .iter()
        .any(|p| lower.starts_with(p))
        || !f.is_entry()
        || f.params.is_empty()
        || mentions_sender(body)
    {
        return false;
    }
    let stores_param = body.any(&|n| {
        n.is(NK::AssignmentExpression)
            && n.child(EdgeLabel::LeftOperand).is_some_and(|l| {
                l.is_token(TK::Identifier)
                    && f.param(&l.text).is_none()
                    && f.local(&l.text).is_none()
                    && inp
                        .unit
                        .state_var(f.contract, &l.text)
                        .is_some_and(|v| !v.constant && !v.ty.starts_with("mapping"))
            })
            && n.child(EdgeLabel::RightOperand).is_some_and(|r| {
                r.any(&|x| x.is_token(TK::Identifier) && f.param(&x.text).is_some())
            })
    });
    stores_param
        && inp.unit.contracts[f.contract]
            .linear
            .iter()
            .flat_map(|&k| inp.unit.contracts[k].functions.iter())
            .any(|g| {
                !std::ptr::eq(g, f)
                    && g.is_entry()
                    && g.changes_state()
                    && g.body.is_some()
                    && model::is_protected(inp.unit, g)
            })
}

/// A type written like a contract or interface name (`IERC20`, `Token`).
fn is_contract_type_name(ty: &str) -> bool {
    ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A state variable that names the contract's owner or admin (an address, not a mapping).
fn owner_var(inp: &Input<'_>, f: &Function<'_>, name: &str) -> bool {
    let l = name.trim_start_matches('_').to_ascii_lowercase();
    (l.contains("owner") || l.contains("admin") || l.contains("creator"))
        && f.param(name).is_none()
        && f.local(name).is_none()
        && inp
            .unit
            .state_var(f.contract, name)
            .is_some_and(|v| !v.constant && !v.ty.starts_with("mapping") && !v.ty.ends_with(']'))
}

fn owner_named(lower: &str) -> bool {
    (lower.contains("owner") || lower.contains("admin"))
        && !["get", "is", "has", "_"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// The function writes an owner/admin mapping or array (`owners[a] = b`, `admins.push(a)`).
fn writes_owner_set(inp: &Input<'_>, f: &Function<'_>, body: &Node) -> bool {
    events(inp.unit, f).iter().any(|e| match &e.kind {
        EventKind::StateWrite { var } => {
            let l = var.trim_start_matches('_').to_ascii_lowercase();
            (l.contains("owner") || l.contains("admin"))
                && body.any(&|n| is_ident(n, var))
                && inp
                    .unit
                    .state_var(f.contract, var)
                    .is_some_and(|v| v.ty.starts_with("mapping") || v.ty.ends_with(']'))
        }
        _ => false,
    })
}

/// The function assigns an owner/admin state variable (`owner = msg.sender;`).
fn writes_owner<'a>(inp: &Input<'_>, f: &Function<'_>, body: &'a Node) -> Option<&'a Node> {
    let mut found = None;
    body.walk(&mut |n| {
        if found.is_none() && n.is(NK::AssignmentExpression) {
            if let Some(l) = n.child(EdgeLabel::LeftOperand) {
                if l.is_token(TK::Identifier) && owner_var(inp, f, &l.text) {
                    found = Some(n);
                }
            }
        }
        found.is_none()
    });
    found
}

/// A public function that, with no condition at all, sends the contract's whole balance
/// (`msg.sender.transfer(this.balance)`): anyone can empty it.
fn drains_balance(inp: &Input<'_>, f: &Function<'_>, body: &Node) -> bool {
    f.is_entry()
        && f.kind == FnKind::Function
        && conditions(body).is_empty()
        && calls(body).iter().any(|c| {
            matches!(
                external_call(inp.unit, f, c),
                Some(EventKind::ExternalCall { value: true, .. })
            ) && c.any(&|n| {
                member(n).is_some_and(|(base, m)| {
                    m == "balance" && matches!(base.compact().as_str(), "this" | "address(this)")
                })
            })
        })
        && !model::is_protected(inp.unit, f)
}

fn access_control(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    let Some(body) = f.body else { return };
    if drains_balance(inp, f, body) {
        push(
            out,
            "sol-missing-access-control",
            f.node,
            format!(
                "`{}` sends the contract's whole balance with no condition: anyone can empty it",
                f.name
            ),
        );
        return;
    }
    let lower = f.name.to_ascii_lowercase();
    let what = match privileged(&f.name) {
        Some(w) => w,
        // any public function that hands out ownership (`function IamMissing() { owner = msg.sender; }`)
        None if !lower.starts_with("init")
            && f.is_entry()
            && f.kind == FnKind::Function
            && writes_owner(inp, f, body).is_some() =>
        {
            "set owner"
        }
        // `newOwner(a, b) { owners[a] = b; }`: a function about owners that edits the owner set
        None if owner_named(&lower) && f.is_entry() && writes_owner_set(inp, f, body) => {
            "set owner"
        }
        // `setPrices(..)` in a contract that restricts its other admin functions
        None if unguarded_setter(inp, f, body) => "setter",
        None => return,
    };
    let authorize_upgrade = f.name == "_authorizeUpgrade";
    if !(f.is_entry() || authorize_upgrade) || !f.changes_state() || f.kind != FnKind::Function {
        return;
    }
    if model::is_protected(inp.unit, f) {
        return;
    }
    if authorize_upgrade {
        // UUPS: an empty override with no modifier lets anyone upgrade
        let empty = body
            .child(EdgeLabel::Statements)
            .is_none_or(|s| s.children.is_empty());
        if empty && f.modifiers.is_empty() {
            push(
                out,
                "sol-missing-access-control",
                f.node,
                "`_authorizeUpgrade` is empty and has no modifier: anyone can upgrade the proxy"
                    .into(),
            );
        }
        return;
    }
    let sender = mentions_sender(body);
    let pays_in =
        f.mutability == Mutability::Payable || body.any(&|n| is_member(n, "msg", "value"));
    let fire = match what {
        // withdrawing one's own balance and buying a mint are not privileged
        "withdraw" => {
            !sender
                && (sends_value(inp, f)
                    || body.any(&|n| {
                        n.is(NK::FunctionCallExpression)
                            && called_member(n).is_some_and(|(_, m)| m.contains("transfer"))
                    }))
        }
        "mint" => !pays_in && !pulls_tokens(inp, f) && writes_state(inp, f) && !f.params.is_empty(),
        _ => writes_state(inp, f),
    };
    if fire {
        push(
            out,
            "sol-missing-access-control",
            f.node,
            format!(
                "`{}` ({what}) has no access control: anyone can call it",
                f.name
            ),
        );
    }
}

/// The function (or what it calls) takes tokens from someone with `transferFrom`: a mint paid
/// in tokens (an ERC-4626 `mint`), not a free one.
fn pulls_tokens(inp: &Input<'_>, f: &Function<'_>) -> bool {
    model::reachable(inp.unit, f).iter().any(|g| {
        g.body.is_some_and(|b| {
            calls(b).iter().any(|c| {
                called_member(c).is_some_and(|(_, m)| {
                    matches!(m, "transferFrom" | "safeTransferFrom")
                        // a pool minting against what was deposited first (Uniswap V2 `mint`
                        // reads its own token balances)
                        || m == "balanceOf"
                            && call_args(c).first().is_some_and(|a| {
                                matches!(a.compact().as_str(), "address(this)" | "this")
                            })
                })
            })
        })
    })
}

fn sends_value(inp: &Input<'_>, f: &Function<'_>) -> bool {
    events(inp.unit, f)
        .iter()
        .any(|e| matches!(e.kind, EventKind::ExternalCall { value: true, .. }))
}

// ------------------------------------------------------------------ signatures

fn signatures(f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    let recovers: Vec<&Node> = calls(body)
        .into_iter()
        .filter(|c| called_ident(c) == Some("ecrecover"))
        .collect();
    let Some(first) = recovers.first() else {
        return;
    };
    let text = body.compact();
    let zero_check = text.contains("address(0)")
        || text.contains("address(0x0)")
        || text.contains("==0x0")
        || text.contains("!=0x0");
    if !zero_check {
        push(
            out,
            "sol-ecrecover-zero-address",
            first,
            format!("`{}` uses ecrecover without rejecting address(0)", f.name),
        );
    }
    let lower = text.to_ascii_lowercase();
    let replay_safe = [
        "nonce",
        "chainid",
        "domain_separator",
        "domainseparator",
        "used",
        "executed",
        "processed",
        "claimed",
        "deadline",
        "expir",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || f.params
            .iter()
            .any(|p| p.name.to_ascii_lowercase().contains("nonce"));
    if !replay_safe {
        push(
            out,
            "sol-signature-replay",
            first,
            format!(
                "`{}` accepts a signature with no nonce, chain id or used-signature record",
                f.name
            ),
        );
    }
    let s_bound =
        lower.contains("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    let marks_signature = lower.contains("signature]") || lower.contains("sig]");
    if !s_bound && marks_signature {
        push(
            out,
            "sol-signature-malleability",
            first,
            format!(
                "`{}` records used signatures but does not bound `s`",
                f.name
            ),
        );
    }
}

// ------------------------------------------------------------------ loops

fn loops(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    let mut loops = Vec::new();
    body.find_all(
        &|n| n.is(NK::ForStatement) || n.is(NK::WhileStatement) || n.is(NK::DoWhileStatement),
        &mut loops,
    );
    let mut seen_value = false;
    let mut seen_call = Vec::new();
    for l in loops {
        if !seen_value {
            let mut hits = Vec::new();
            l.find_all(&|n| is_member(n, "msg", "value"), &mut hits);
            if let Some(h) = hits.first() {
                push(
                    out,
                    "sol-msg-value-loop",
                    h,
                    format!("`{}` reads msg.value inside a loop", f.name),
                );
                seen_value = true;
            }
        }
        for c in calls(l) {
            if seen_call.contains(&c.start) {
                continue;
            }
            if external_call(inp.unit, f, c).is_some() && f.is_entry() {
                seen_call.push(c.start);
                push(
                    out,
                    "sol-calls-loop",
                    c,
                    format!("`{}` makes an external call inside a loop", f.name),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ encodePacked

fn encode_packed(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    for c in calls(body) {
        if !c
            .child(EdgeLabel::Operand)
            .is_some_and(|o| is_member(o, "abi", "encodePacked"))
        {
            continue;
        }
        let args = call_args(c);
        let is_dyn = |a: &&Node| {
            a.is_token(TK::Identifier)
                && f.param(&a.text)
                    .or_else(|| f.local(&a.text))
                    .or_else(|| inp.unit.state_var(f.contract, &a.text))
                    .is_some_and(|v| v.is_dynamic())
        };
        // two dynamic values next to each other: a fixed separator between them (a literal,
        // a number, an address) keeps the boundaries unambiguous in practice
        let dynamic = args
            .windows(2)
            .filter(|w| is_dyn(&w[0]) && is_dyn(&w[1]))
            .count()
            + 1;
        if dynamic < 2 {
            continue;
        }
        // only when hashed (signatures, ids), where a collision matters
        let hashed = calls(body).iter().any(|h| {
            matches!(called_ident(h), Some("keccak256" | "sha256" | "sha3"))
                && h.any(&|x| std::ptr::eq(x, c))
        });
        if hashed {
            push(
                out,
                "sol-encode-packed-collision",
                c,
                format!(
                    "`{}` packs {dynamic} dynamic values and hashes them",
                    c.tokens()
                ),
            );
        }
    }
}

// ------------------------------------------------------------------ arbitrary send

fn arbitrary_send(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() || !f.changes_state() {
        return;
    }
    let mut protected = None;
    let mut is_prot = || *protected.get_or_insert_with(|| model::is_protected(inp.unit, f));
    for c in calls(body) {
        let Some((base, m)) = called_member(c) else {
            continue;
        };
        let args = call_args(c);
        // `super.transferFrom(..)` is the inherited token logic, not a call to a token
        if m == "transferFrom" && args.len() == 3 && base.compact() != "super" {
            let from = args.first().and_then(|a| root_ident(a));
            if let Some(from) = from {
                if f.param(&from.text).is_some() && !is_prot() {
                    push(
                        out,
                        "sol-arbitrary-send-erc20",
                        c,
                        format!(
                            "`{}` moves tokens from `{}`, an address the caller chooses",
                            f.name, from.text
                        ),
                    );
                }
            }
        }
        let eth = matches!(
            external_call(inp.unit, f, c),
            Some(EventKind::ExternalCall {
                value: true,
                low_level: true,
                ..
            })
        );
        // forwarding what the caller just paid (`{value: msg.value}`) takes nothing from the contract
        let forwards_msg_value = c.any(&|n| {
            n.is(NK::NamedArgument)
                && n.child(EdgeLabel::Value)
                    .is_some_and(|v| is_member(v, "msg", "value"))
                // the 0.4 spelling `x.call.value(msg.value)(..)`
                || n.is(NK::FunctionCallExpression)
                    && called_member(n).is_some_and(|(_, m)| m == "value")
                    && call_args(n)
                        .first()
                        .is_some_and(|a| is_member(a, "msg", "value"))
        });
        if eth && !forwards_msg_value && m != "sendValue" && m != "functionCallWithValue" {
            if let Some(to) = root_ident(base) {
                if f.param(&to.text).is_some() && !mentions_sender(body) && !is_prot() {
                    push(
                        out,
                        "sol-arbitrary-send-eth",
                        c,
                        format!(
                            "`{}` sends ETH to `{}`, an address the caller chooses",
                            f.name, to.text
                        ),
                    );
                }
            }
        }
    }
}

// ------------------------------------------------------------------ storage pointers

fn uninitialized_storage(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    if inp.version >= (0, 5, 0) {
        return;
    }
    for v in &f.locals {
        if v.node.is(NK::VariableDeclarationStatement) && v.node.child(EdgeLabel::Value).is_none() {
            let ty = v.ty.as_str();
            let complex =
                ty.ends_with(']') || ty.starts_with("mapping") || inp.unit.value_types.contains(ty);
            let explicit = v.storage_ref;
            let implicit = v.node.child(EdgeLabel::StorageLocation).is_none()
                && complex
                && !ty.ends_with(']')
                && inp.unit.value_types.contains(ty);
            if explicit || implicit {
                push(
                    out,
                    "sol-uninitialized-storage",
                    v.node,
                    format!(
                        "`{}` is a storage reference with no value: it points at slot 0",
                        v.name
                    ),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ arithmetic

fn overflow(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if inp.version >= (0, 8, 0) || !f.is_entry() {
        return;
    }
    // `uint256 amount = uint256(cnt) * _value;` (BEC): a raw product of caller inputs, even in
    // files that use SafeMath elsewhere
    let mut product = None;
    body.walk(&mut |n| {
        if product.is_some() {
            return false;
        }
        if n.is(NK::MultiplicativeExpression) && n.children.iter().any(|c| c.is_token(TK::Asterisk))
        {
            let operands: Vec<&Node> = n
                .children
                .iter()
                .filter(|c| matches!(c.label, EdgeLabel::LeftOperand | EdgeLabel::RightOperand))
                .collect();
            let from_caller =
                |o: &&Node| o.any(&|x| x.is_token(TK::Identifier) && f.param(&x.text).is_some());
            let literal = |o: &&Node| !o.any(&|x| x.is_token(TK::Identifier));
            if operands.len() == 2
                && operands.iter().all(from_caller)
                && !operands.iter().any(literal)
            {
                product = Some(n);
            }
        }
        true
    });
    if let Some(n) = product {
        if !guarded_by_condition(body, n) {
            push(out, "sol-integer-overflow", n, format!(
                "`{}` multiplies caller-supplied values without an overflow check (compiler before 0.8)",
                n.tokens()
            ));
            return;
        }
    }
    if inp.unit.uses_safemath {
        return;
    }
    let state = |n: &Node| {
        root_ident(n).is_some_and(|r| {
            f.param(&r.text).is_none()
                && f.local(&r.text).is_none()
                && inp.unit.state_var(f.contract, &r.text).is_some_and(|v| {
                    !v.constant
                        && (v.ty.starts_with("uint")
                            || v.ty.starts_with("int")
                            || v.ty.starts_with("mapping"))
                })
        })
    };
    // a value the caller picks (a parameter, or a local computed in the function); sums of
    // `msg.value` and of stored ETH amounts stay far below 2^256 (all ether is < 2^87 wei)
    let chosen = |n: &Node| caller_chosen(f, n);
    let report = |n: &Node, what: &str, out: &mut Vec<Issue>| {
        push(
            out,
            "sol-integer-overflow",
            n,
            format!("`{}` {what} (compiler before 0.8, no SafeMath)", n.tokens()),
        );
    };
    body.walk(&mut |n| {
        if n.is(NK::AssignmentExpression) {
            let op = n.children.iter().find(|c| c.label == EdgeLabel::Operator);
            let l = n.child(EdgeLabel::LeftOperand);
            let r = n.child(EdgeLabel::RightOperand);
            if let (Some(op), Some(l), Some(r)) = (op, l, r) {
                let risky = match op.kind {
                    Kind::Token(TK::PlusEqual) => chosen(r),
                    Kind::Token(TK::MinusEqual | TK::AsteriskEqual) => true,
                    Kind::Token(TK::Equal) => {
                        r.is(NK::AdditiveExpression) && (chosen(r) || has_op(r, TK::Minus))
                            || is_product(r)
                    }
                    _ => false,
                };
                if risky && state(l) && !guarded_by_condition(body, l) {
                    report(n, "can wrap around", out);
                    return false;
                }
            }
        }
        // `uint res = count - input;`: arithmetic on state and caller input into a local
        if n.is(NK::VariableDeclarationStatement) {
            if let Some(v) = model::decl_value(n) {
                let arith = v.is(NK::AdditiveExpression) || is_product(v);
                let mut ids = Vec::new();
                v.find_all(&|c| c.is_token(TK::Identifier), &mut ids);
                let param = ids.iter().any(|i| f.param(&i.text).is_some());
                let other = ids.iter().filter(|i| f.param(&i.text).is_some()).count() > 1
                    || ids.iter().any(|i| state(i));
                if arith && param && other && !ids.iter().any(|i| guarded_by_condition(body, i)) {
                    report(n, "can wrap around", out);
                    return false;
                }
            }
        }
        // `numTokens * PRICE`: a product with a caller-chosen factor, wherever it is
        if is_product(n) {
            let operands: Vec<&Node> = n
                .children
                .iter()
                .filter(|c| matches!(c.label, EdgeLabel::LeftOperand | EdgeLabel::RightOperand))
                .collect();
            let mut ids = Vec::new();
            n.find_all(&|c| c.is_token(TK::Identifier), &mut ids);
            let param = ids.iter().any(|i| f.param(&i.text).is_some());
            if param && operands.len() == 2 && !ids.iter().any(|i| guarded_by_condition(body, i)) {
                report(n, "can overflow", out);
                return false;
            }
        }
        // `x--` / `arr.length--` underflow (a `++` step cannot realistically wrap)
        if (n.is(NK::PostfixExpression) || n.is(NK::PrefixExpression))
            && n.children.iter().any(|c| c.is_token(TK::MinusMinus))
        {
            if let Some(o) = n.child(EdgeLabel::Operand) {
                if state(o) && !guarded_by_condition(body, o) {
                    report(n, "can wrap below zero", out);
                    return false;
                }
            }
        }
        true
    });
}

/// A value the caller picks: a parameter, or a local computed in the function, used as a value
/// (a mapping key such as `wins[player]` is not the amount being added).
fn caller_chosen(f: &Function<'_>, n: &Node) -> bool {
    if n.is_token(TK::Identifier) {
        return f.param(&n.text).is_some()
            || f.local(&n.text)
                .is_some_and(|v| v.node.child(EdgeLabel::Value).is_some());
    }
    if n.is(NK::IndexAccessExpression) {
        return n
            .child(EdgeLabel::Operand)
            .is_some_and(|o| caller_chosen(f, o));
    }
    n.children.iter().any(|c| caller_chosen(f, c))
}

fn has_op(n: &Node, op: TK) -> bool {
    n.children.iter().any(|c| c.is_token(op))
}

fn is_product(n: &Node) -> bool {
    n.is(NK::MultiplicativeExpression) && has_op(n, TK::Asterisk)
}

/// A `require`/`if` in the body bounds the same variable with `<`, `<=`, `>` or `>=`.
/// Tautologies on unsigned values (`x - v >= 0`, `0 <= x`) do not count.
fn guarded_by_condition(body: &Node, lhs: &Node) -> bool {
    let t = lhs.compact();
    conditions(body).iter().any(|c| {
        let mut cmps = Vec::new();
        c.find_all(&|n| n.is(NK::InequalityExpression), &mut cmps);
        cmps.iter().any(|cmp| {
            let (Some(l), Some(r)) = (
                cmp.child(EdgeLabel::LeftOperand),
                cmp.child(EdgeLabel::RightOperand),
            ) else {
                return false;
            };
            let tautology = (has_op(cmp, TK::GreaterThanEqual) && r.compact() == "0")
                || (has_op(cmp, TK::LessThanEqual) && l.compact() == "0");
            !tautology && (l.compact().contains(&t) || r.compact().contains(&t))
        })
    })
}

fn incorrect_equality(body: &Node, out: &mut Vec<Issue>) {
    body.walk(&mut |n| {
        if n.is(NK::EqualityExpression) {
            let bal = n
                .children
                .iter()
                .filter(|c| c.label == EdgeLabel::LeftOperand || c.label == EdgeLabel::RightOperand)
                .any(|c| {
                    member(c).is_some_and(|(_, m)| m == "balance")
                        || (c.is(NK::FunctionCallExpression)
                            && called_member(c).is_some_and(|(_, m)| m == "balanceOf"))
                });
            // `balanceOf(a) == 0` asks "holds none", a question of ownership, not of amount
            let zero = n
                .children
                .iter()
                .any(|c| c.label == EdgeLabel::RightOperand && c.compact() == "0");
            if bal && !zero {
                push(
                    out,
                    "sol-incorrect-equality",
                    n,
                    format!("`{}` tests a balance for strict equality", n.tokens()),
                );
            }
        }
        true
    });
}

fn approve(f: &Function<'_>, out: &mut Vec<Issue>) {
    if f.name != "approve" || !f.is_entry() || f.params.len() != 2 {
        return;
    }
    let Some(body) = f.body else { return };
    // a zero-first check (`require(value == 0 || allowance == 0)`) defuses the race
    let zero_first = conditions(body).iter().any(|c| c.compact().contains("==0"));
    let writes_allowance = body.any(&|n| {
        n.is(NK::AssignmentExpression)
            && n.child(EdgeLabel::LeftOperand)
                .and_then(root_ident)
                .is_some_and(|r| r.text.to_ascii_lowercase().contains("allow"))
    });
    if writes_allowance && !zero_first {
        push(
            out,
            "sol-approve-front-running",
            f.node,
            "`approve` overwrites an allowance: the spender can front-run the change".into(),
        );
    }
}

// ------------------------------------------------------------------ contract-level

/// Before 0.4.22 the constructor was the function named like the contract; a name that differs
/// only in case (or a renamed contract) leaves a public function that resets the owner.
fn constructor_name(inp: &Input<'_>, out: &mut Vec<Issue>) {
    if inp.version >= (0, 5, 0) {
        return;
    }
    for c in inp.unit.local_contracts() {
        // with a `constructor` declared, or for a view, the name is not a constructor attempt
        let has_constructor = c
            .functions
            .iter()
            .any(|g| g.kind == FnKind::Constructor && g.node.is(NK::ConstructorDefinition));
        for f in &c.functions {
            if f.kind == FnKind::Function
                && f.is_entry()
                && f.changes_state()
                && !has_constructor
                && f.name != c.name
                && f.name.eq_ignore_ascii_case(&c.name)
            {
                push(out, "sol-constructor-name", f.node, format!(
                    "`{}` looks like the constructor of `{}` but its name differs: it is a public function anyone can call",
                    f.name, c.name
                ));
            }
        }
    }
}

/// A public function pays whoever first presents the preimage of a stored hash: the answer is
/// visible in the mempool and can be copied with a higher gas price.
fn front_run_secret(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    // the submitted value: a parameter, or the raw calldata (`sha256(msg.data) < target`)
    let submitted = |i: &Node| {
        (i.is_token(TK::Identifier) && f.param(&i.text).is_some()) || is_member(i, "msg", "data")
    };
    let reveals = conditions(body).into_iter().find(|c| {
        c.any(&|n| {
            // `hash(answer) == stored`, or a proof-of-work bound `hash(answer) < target`
            (n.is(NK::EqualityExpression) || n.is(NK::InequalityExpression))
                && n.children.iter().any(|o| {
                    matches!(o.label, EdgeLabel::LeftOperand | EdgeLabel::RightOperand)
                        && hashes(o)
                        && o.any(&submitted)
                })
        })
    });
    let Some(cond) = reveals else { return };
    let pays = events(inp.unit, f)
        .iter()
        .any(|e| matches!(e.kind, EventKind::ExternalCall { value: true, .. }));
    // commit-reveal schemes bind the answer to the sender
    if pays && !cond.any(&|n| is_member(n, "msg", "sender")) {
        push(out, "sol-front-runnable-secret", cond, format!(
            "`{}` pays whoever submits the preimage first: the answer can be copied from the mempool",
            f.name
        ));
    }
}

/// `require(leader.send(bid))` / `leader.transfer(bid)` where `leader` is a state variable any
/// caller can become: a contract that reverts on receipt becomes leader for good.
fn push_payment_dos(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    // a restricted function is called by the party it pays: nobody else can block it
    if !f.is_entry() || model::is_protected(inp.unit, f) {
        return;
    }
    let guards = reverting_guards(body);
    for c in calls(body) {
        let Some((base, m)) = called_member(c) else {
            continue;
        };
        if !reverting_value_payment(inp, f, body, c, m, &guards) {
            continue;
        }
        let Some(mut to) = root_ident(base) else {
            continue;
        };
        let mut base = base;
        // a local copy of the stored recipient (`address previous = king;`)
        if let Some(v) = f.local(&to.text) {
            match model::decl_value(v.node) {
                Some(val) if val.is_token(TK::Identifier) || val.is(NK::MemberAccessExpression) => {
                    let Some(r) = root_ident(val) else { continue };
                    to = r;
                    base = val;
                }
                _ => continue,
            }
        }
        if f.param(&to.text).is_some() || f.local(&to.text).is_some() {
            continue;
        }
        if inp.unit.state_var(f.contract, &to.text).is_none() {
            continue;
        }
        // somebody can make themselves the recipient (`leader = msg.sender`, or the field
        // paid: `highest.bidder = msg.sender`)
        let paid = base.compact();
        let takeover = inp.unit.contracts[f.contract]
            .linear
            .iter()
            .flat_map(|&k| inp.unit.contracts[k].functions.iter())
            .any(|g| {
                g.is_entry()
                    && g.body.is_some_and(|b| {
                        b.any(&|n| {
                            n.is(NK::AssignmentExpression)
                                && n.child(EdgeLabel::LeftOperand)
                                    .is_some_and(|l| is_ident(l, &to.text) || l.compact() == paid)
                                && n.child(EdgeLabel::RightOperand)
                                    .is_some_and(mentions_sender)
                        })
                    })
            });
        if takeover {
            push(out, "sol-push-payment-dos", c, format!(
                "`{}` must pay `{}` to proceed, and any caller can become `{}`: a contract that rejects ETH blocks it for good",
                f.name, paid, paid
            ));
        }
    }
}

/// `for (..) { recipients[i].transfer(v); }` / `require(list[i].send(v))`: a payment that must
/// succeed, inside a loop, to addresses any caller can add to a stored list — one recipient
/// that rejects ETH makes every iteration (the whole payout) revert, for everyone.
fn loop_payment_dos(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    let mut loops = Vec::new();
    body.find_all(
        &|n| n.is(NK::ForStatement) || n.is(NK::WhileStatement) || n.is(NK::DoWhileStatement),
        &mut loops,
    );
    let guards = reverting_guards(body);
    let mut seen = Vec::new();
    for l in loops {
        for c in calls(l) {
            if seen.contains(&c.start) {
                continue;
            }
            let Some((base, m)) = called_member(c) else {
                continue;
            };
            if !reverting_value_payment(inp, f, body, c, m, &guards) {
                continue;
            }
            // the recipient comes out of a stored list: `list[i]`, `list[i].addr`, or a local
            // read from one (`address a = list[i];`)
            let from_list = |n: &Node| -> Option<String> {
                if !n.any(&|x| x.is(NK::IndexAccessExpression)) {
                    return None;
                }
                let r = root_ident(n)?;
                let v = inp.unit.state_var(f.contract, &r.text)?;
                (v.ty.ends_with("[]") || v.ty.starts_with("mapping(")).then(|| v.name.clone())
            };
            let list = from_list(base).or_else(|| {
                let r = root_ident(base)?;
                let v = f.local(&r.text)?;
                from_list(model::decl_value(v.node)?)
            });
            let Some(list) = list else { continue };
            // any caller can put themselves on the list
            let joins = inp.unit.contracts[f.contract]
                .linear
                .iter()
                .flat_map(|&k| inp.unit.contracts[k].functions.iter())
                .find(|g| {
                    g.is_entry()
                        && !model::is_protected(inp.unit, g)
                        && g.body.is_some_and(|b| {
                            calls(b).iter().any(|x| {
                                called_member(x).is_some_and(|(xb, xm)| {
                                    xm == "push"
                                        && root_ident(xb).is_some_and(|r| r.text == list)
                                        && mentions_sender(x)
                                })
                            }) || b.any(&|n| {
                                n.is(NK::AssignmentExpression)
                                    && n.child(EdgeLabel::LeftOperand).is_some_and(|l| {
                                        root_ident(l).is_some_and(|r| r.text == list)
                                    })
                                    && n.child(EdgeLabel::RightOperand)
                                        .is_some_and(mentions_sender)
                            })
                        })
                });
            if let Some(g) = joins {
                seen.push(c.start);
                push(out, "sol-push-payment-dos", c, format!(
                    "`{}` pays every entry of `{list}` in a loop and reverts if one payment fails; anyone can join `{list}` through `{}`, and one contract that rejects ETH blocks the payout for all",
                    f.name, g.name
                ));
            }
        }
    }
}

/// Whether call `c` (member `m`) pays ETH in a way that reverts the caller when the payment
/// fails: `x.transfer(v)`, or `x.send(v)` / `x.call{value: v}` whose success is required
/// (`require(x.send(v))` / `require(ok)` after the call are the same trap).
fn reverting_value_payment(
    inp: &Input<'_>,
    f: &Function<'_>,
    body: &Node,
    c: &Node,
    m: &str,
    guards: &[&Node],
) -> bool {
    let reverts_on_failure = match m {
        "transfer" => call_args(c).len() == 1,
        "send" | "call" => must_succeed(body, c, guards),
        _ => false,
    };
    reverts_on_failure
        && matches!(
            external_call(inp.unit, f, c),
            Some(EventKind::ExternalCall { value: true, .. })
        )
}

/// Conditions whose failure reverts: `require`/`assert` arguments, and `if` conditions whose
/// branch throws or reverts (`if (!to.send(v)) throw;`).
fn reverting_guards(body: &Node) -> Vec<&Node> {
    let reverts = |b: &Node| {
        b.any(&|n| {
            n.is(NK::ThrowStatement)
                || n.is(NK::RevertStatement)
                || (n.is(NK::FunctionCallExpression)
                    && n.child(EdgeLabel::Operand)
                        .is_some_and(|o| is_ident(o, "revert")))
        })
    };
    let mut out = Vec::new();
    body.walk(&mut |n| {
        if n.is(NK::IfStatement) {
            if let (Some(c), Some(b)) = (n.child(EdgeLabel::Condition), n.child(EdgeLabel::Body)) {
                if reverts(b) {
                    out.push(c);
                }
            }
        } else if n.is(NK::FunctionCallExpression)
            && n.child(EdgeLabel::Operand)
                .is_some_and(|o| is_ident(o, "require") || is_ident(o, "assert"))
        {
            if let Some(first) = call_args(n).first() {
                out.push(*first);
            }
        }
        true
    });
    out
}

/// The `send`/`call` must succeed: it sits in a reverting guard, or its success flag
/// (`(bool ok, ) = ..`, `bool ok = ..`) is checked by one later.
fn must_succeed(body: &Node, call: &Node, guards: &[&Node]) -> bool {
    if guards.iter().any(|g| g.any(&|n| std::ptr::eq(n, call))) {
        return true;
    }
    let mut flag: Option<(usize, String)> = None;
    body.walk(&mut |n| {
        if flag.is_none()
            && (n.is(NK::TupleDeconstructionStatement) || n.is(NK::VariableDeclarationStatement))
            && n.any(&|c| std::ptr::eq(c, call))
        {
            let mut ids = Vec::new();
            n.find_all(
                &|c| c.is_token(TK::Identifier) && c.label == EdgeLabel::Name,
                &mut ids,
            );
            flag = ids.first().map(|i| (n.end, i.text.clone()));
        }
        flag.is_none()
    });
    flag.is_some_and(|(end, name)| {
        guards
            .iter()
            .any(|g| g.start > end && g.any(&|n| is_ident(n, &name)))
    })
}

/// A call that can move ETH out: value calls, `send`, delegatecalls, self-destruct.
fn can_send(inp: &Input<'_>, f: &Function<'_>, x: &Node) -> bool {
    matches!(called_ident(x), Some("selfdestruct" | "suicide"))
        || called_member(x).is_some_and(|(_, m)| {
            matches!(
                m,
                "delegatecall"
                    | "callcode"
                    | "functionDelegateCall"
                    | "sendValue"
                    | "functionCallWithValue"
                    | "send"
            )
        })
        || matches!(
            external_call(inp.unit, f, x),
            Some(EventKind::ExternalCall { value: true, .. })
        )
}

/// A known library function named `name` that can send ETH (itself or through a function of
/// its library it calls), or has assembly.
fn library_sends(inp: &Input<'_>, name: &str) -> bool {
    inp.unit
        .contracts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == ContractKind::Library)
        .any(|(li, lib)| {
            lib.functions.iter().filter(|g| g.name == name).any(|g| {
                model::reachable(inp.unit, g).iter().any(|h| {
                    h.contract == li
                        && h.body.is_some_and(|b| {
                            b.any(&|n| n.is(NK::AssemblyStatement))
                                || calls(b).iter().any(|x| can_send(inp, h, x))
                        })
                })
            })
        })
}

fn locked_ether(inp: &Input<'_>, out: &mut Vec<Issue>) {
    for c in inp.unit.local_contracts() {
        if c.kind != ContractKind::Contract {
            continue;
        }
        // only judge contracts whose whole hierarchy is in this file
        let known = c.bases.iter().all(|b| inp.unit.contract_index(b).is_some());
        if !known {
            continue;
        }
        let fns: Vec<&Function<'_>> = c
            .linear
            .iter()
            .flat_map(|&k| inp.unit.contracts[k].functions.iter())
            .collect();
        let payable = fns
            .iter()
            .find(|f| f.mutability == Mutability::Payable && f.kind != FnKind::Modifier);
        let Some(p) = payable else { continue };
        let sends = fns.iter().any(|f| {
            f.body.is_some_and(|b| {
                // assembly can send or delegatecall (a proxy's `_delegate`)
                b.any(&|n| n.is(NK::AssemblyStatement))
                    || calls(b).iter().any(|x| {
                        can_send(inp, f, x)
                            // a library helper that sends (`Address.sendValue`, `execBatch`
                            // through `using ... for *`)
                            || called_member(x).is_some_and(|(_, m)| library_sends(inp, m))
                    })
            })
        });
        if !sends {
            // an inherited payable function: point at the contract that inherits it
            let at = if inp.unit.is_local(p.contract) {
                p.node
            } else {
                c.node
            };
            push(
                out,
                "sol-locked-ether",
                at,
                format!(
                    "`{}` receives ETH through `{}` but nothing in it can send ETH out",
                    c.name, p.name
                ),
            );
        }
    }
}

fn shadowing(inp: &Input<'_>, out: &mut Vec<Issue>) {
    for c in inp.unit.local_contracts() {
        for v in &c.state_vars {
            // a base's `private` variable is invisible to the derived contract: no shadowing
            let base = c.linear.iter().skip(1).find(|&&k| {
                inp.unit.contracts[k].state_vars.iter().any(|b| {
                    b.name == v.name
                        && !b.node.child(EdgeLabel::Attributes).is_some_and(|a| {
                            a.children.iter().any(|t| t.is_token(TK::PrivateKeyword))
                        })
                })
            });
            if let Some(&k) = base {
                push(
                    out,
                    "sol-shadowing-state",
                    v.node,
                    format!(
                        "`{}.{}` shadows the state variable of `{}`",
                        c.name, v.name, inp.unit.contracts[k].name
                    ),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ unchecked blocks

fn unchecked_block(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if inp.version < (0, 8, 0) || !f.is_entry() {
        return;
    }
    let mut blocks = Vec::new();
    body.find_all(&|n| n.is(NK::UncheckedBlock), &mut blocks);
    if blocks.is_empty() {
        return;
    }
    // identifiers that appear in a comparison somewhere in the function
    let mut compared = std::collections::HashSet::new();
    for c in conditions(body) {
        let mut cmp = Vec::new();
        c.find_all(
            &|n| n.is(NK::InequalityExpression) || n.is(NK::EqualityExpression),
            &mut cmp,
        );
        for x in cmp {
            let mut ids = Vec::new();
            x.find_all(&|n| n.is_token(TK::Identifier), &mut ids);
            compared.extend(ids.into_iter().map(|i| i.text.clone()));
        }
    }
    for b in blocks {
        let mut hit = None;
        b.walk(&mut |n| {
            if hit.is_some() {
                return false;
            }
            let arith = (n.is(NK::AdditiveExpression)
                || n.is(NK::MultiplicativeExpression)
                    && n.children.iter().any(|c| c.is_token(TK::Asterisk)))
                || n.is(NK::AssignmentExpression)
                    && n.children.iter().any(|c| {
                        c.is_token(TK::PlusEqual)
                            || c.is_token(TK::MinusEqual)
                            || c.is_token(TK::AsteriskEqual)
                    });
            if arith {
                let mut ids = Vec::new();
                n.find_all(&|c| c.is_token(TK::Identifier), &mut ids);
                // `x + 1`: a counter step, which cannot realistically wrap
                let step = n.children.iter().any(|c| {
                    matches!(c.label, EdgeLabel::LeftOperand | EdgeLabel::RightOperand)
                        && (c.is(NK::DecimalNumberExpression) || c.is(NK::HexNumberExpression))
                });
                let constant_only = ids.is_empty() || step;
                let guarded = ids.iter().any(|i| compared.contains(&i.text));
                // operands the caller controls (parameters) or that accumulate (state)
                let risky = ids.iter().any(|i| {
                    f.param(&i.text).is_some()
                        || (f.local(&i.text).is_none()
                            && inp
                                .unit
                                .state_var(f.contract, &i.text)
                                .is_some_and(|v| !v.constant))
                });
                if !constant_only && !guarded && risky {
                    hit = Some(n);
                }
                return false;
            }
            true
        });
        if let Some(n) = hit {
            push(out, "sol-integer-overflow", n, format!("`{}` in an unchecked block can wrap: none of its operands is bounded by a check", n.tokens()));
        }
    }
}

// ------------------------------------------------------------------ unbounded loops

fn unbounded_loop(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    let mut loops = Vec::new();
    body.find_all(
        &|n| n.is(NK::ForStatement) || n.is(NK::WhileStatement),
        &mut loops,
    );
    for l in loops {
        let Some(cond) = l.child(EdgeLabel::Condition) else {
            continue;
        };
        let mut lens = Vec::new();
        cond.find_all(
            &|n| member(n).is_some_and(|(_, m)| m == "length"),
            &mut lens,
        );
        for len in lens {
            let Some((base, _)) = member(len) else {
                continue;
            };
            let Some(arr) = root_ident(base) else {
                continue;
            };
            if f.param(&arr.text).is_some() || f.local(&arr.text).is_some() {
                continue;
            }
            if inp.unit.state_var(f.contract, &arr.text).is_none() {
                continue;
            }
            if let Some(g) = grower(inp, f, &arr.text) {
                push(
                    out,
                    "sol-unbounded-loop",
                    l,
                    format!(
                        "`{}` loops over `{}`, which anyone can grow through `{}`",
                        f.name, arr.text, g.name
                    ),
                );
                return;
            }
        }
    }
}

/// A public function without access control that grows the state array `arr`: `arr.push(..)`,
/// or (before 0.6) `arr.length++` / `arr.length += n` / `arr[arr.length++] = ..`.
fn grower<'a>(inp: &'a Input<'a>, f: &Function<'_>, arr: &str) -> Option<&'a Function<'a>> {
    let is_len = |n: &Node| {
        member(n)
            .is_some_and(|(b, m)| m == "length" && root_ident(b).is_some_and(|r| r.text == arr))
    };
    inp.unit.contracts[f.contract]
        .linear
        .iter()
        .flat_map(|&k| inp.unit.contracts[k].functions.iter())
        .find(|g| {
            g.is_entry()
                && g.body.is_some_and(|gb| {
                    calls(gb).iter().any(|c| {
                        c.child(EdgeLabel::Operand)
                            .and_then(member)
                            .is_some_and(|(b, m)| {
                                m == "push" && root_ident(b).is_some_and(|r| r.text == arr)
                            })
                    }) || gb.any(&|n| {
                        (n.is(NK::PostfixExpression) || n.is(NK::PrefixExpression))
                            && n.children.iter().any(|c| c.is_token(TK::PlusPlus))
                            && n.child(EdgeLabel::Operand).is_some_and(is_len)
                            || n.is(NK::AssignmentExpression)
                                && n.children.iter().any(|c| c.is_token(TK::PlusEqual))
                                && n.child(EdgeLabel::LeftOperand).is_some_and(is_len)
                    })
                })
                && !model::is_protected(inp.unit, g)
        })
}

/// Clearing a whole dynamic state array that anyone can grow — `delete arr`, `arr.length = 0`
/// (before 0.6) or `arr = new T[](0)` — zeroes every slot in one transaction: an attacker who
/// grows the array past the block gas limit makes the reset (and the round it ends) impossible.
fn clears_unbounded_array(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if !f.is_entry() {
        return;
    }
    let state_array = |n: &Node| -> Option<String> {
        if !n.is_token(TK::Identifier) || f.param(&n.text).is_some() || f.local(&n.text).is_some() {
            return None;
        }
        inp.unit
            .state_var(f.contract, &n.text)
            .filter(|v| v.ty.ends_with("[]") && !v.constant)
            .map(|v| v.name.clone())
    };
    let mut hits: Vec<(&Node, String)> = Vec::new();
    body.walk(&mut |n| {
        let cleared = if n.is(NK::PrefixExpression)
            && n.children.iter().any(|c| c.is_token(TK::DeleteKeyword))
        {
            n.child(EdgeLabel::Operand).and_then(&state_array)
        } else if n.is(NK::AssignmentExpression) && n.children.iter().any(|c| c.is_token(TK::Equal))
        {
            let l = n.child(EdgeLabel::LeftOperand);
            let r = n.child(EdgeLabel::RightOperand);
            match (l, r) {
                // `arr.length = 0`
                (Some(l), Some(r)) if r.compact() == "0" => member(l)
                    .filter(|(_, m)| *m == "length")
                    .and_then(|(b, _)| state_array(b)),
                // `arr = new T[](..)`
                (Some(l), Some(r))
                    if r.is(NK::FunctionCallExpression)
                        && r.child(EdgeLabel::Operand)
                            .is_some_and(|o| o.is(NK::NewExpression)) =>
                {
                    state_array(l)
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(a) = cleared {
            hits.push((n, a));
        }
        true
    });
    for (n, arr) in hits {
        if let Some(g) = grower(inp, f, &arr) {
            push(
                out,
                "sol-unbounded-loop",
                n,
                format!(
                    "`{}` clears all of `{arr}` at once, and anyone can grow `{arr}` through `{}`: past the block gas limit the reset can never run",
                    f.name, g.name
                ),
            );
        }
    }
}

// ------------------------------------------------------------------ time, ordering, payloads

fn is_time(n: &Node) -> bool {
    is_ident(n, "now") || is_member(n, "block", "timestamp")
}

/// A window a miner's clock drift (seconds to a few minutes) can decide: a duration in
/// `seconds` or `minutes`, a constant declared in them, or a bare number under 15 minutes.
fn short_window(inp: &Input<'_>, f: &Function<'_>, cmp: &Node) -> bool {
    let unit = |t: &str| t.ends_with("seconds") || t.ends_with("minutes");
    cmp.any(&|n| {
        if n.is(NK::DecimalNumberExpression) {
            let t = n.compact();
            return unit(&t) || t.parse::<u64>().is_ok_and(|v| v > 0 && v < 900);
        }
        n.is_token(TK::Identifier)
            && inp.unit.state_var(f.contract, &n.text).is_some_and(|v| {
                v.constant
                    && v.node
                        .child(EdgeLabel::Value)
                        .is_some_and(|val| unit(&val.compact()))
            })
    })
}

/// The comparison reads a state variable that some function of the contract sets to the
/// timestamp plus a short window (`deadline = now + 5 minutes;` ... `require(now > deadline)`).
fn short_deadline(inp: &Input<'_>, f: &Function<'_>, cmp: &Node) -> bool {
    let mut ids = Vec::new();
    cmp.find_all(&|n| n.is_token(TK::Identifier), &mut ids);
    ids.iter().any(|id| {
        inp.unit.state_var(f.contract, &id.text).is_some()
            && inp.unit.contracts[f.contract]
                .linear
                .iter()
                .flat_map(|&k| inp.unit.contracts[k].functions.iter())
                .any(|g| {
                    g.body.is_some_and(|b| {
                        b.any(&|n| {
                            n.is(NK::AssignmentExpression)
                                && n.child(EdgeLabel::LeftOperand)
                                    .is_some_and(|l| is_ident(l, &id.text))
                                && n.child(EdgeLabel::RightOperand)
                                    .is_some_and(|r| r.any(&is_time) && short_window(inp, g, r))
                        })
                    })
                })
    })
}

/// `now % 15 == 0` deciding a game, or a seconds-wide window on `block.timestamp` in front
/// of a payout: the miner picks the timestamp (within ~15 s of the truth) and so the outcome.
fn timestamp_dependence(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    // `now % n` decides something wherever it is (often a private `random()` helper)
    body.walk(&mut |n| {
        // directly or hashed: `now % 15`, `uint(sha3(block.timestamp)) % 2`
        if n.is(NK::MultiplicativeExpression)
            && has_op(n, TK::Percent)
            && !truncation(n)
            && n.child(EdgeLabel::LeftOperand)
                .is_some_and(|l| l.any(&is_time))
        {
            push(
                out,
                "sol-timestamp-dependence",
                n,
                format!(
                    "`{}` decides on the block timestamp, which the miner sets",
                    n.tokens()
                ),
            );
            return false;
        }
        true
    });
    if !f.is_entry() || !f.changes_state() {
        return;
    }
    let pays = events(inp.unit, f)
        .iter()
        .any(|e| matches!(e.kind, EventKind::ExternalCall { value: true, .. }));
    if !pays {
        return;
    }
    for c in conditions(body) {
        let mut cmps = Vec::new();
        c.find_all(&|n| n.is(NK::InequalityExpression), &mut cmps);
        for cmp in cmps {
            if cmp.any(&is_time) && (short_window(inp, f, cmp) || short_deadline(inp, f, cmp)) {
                push(out, "sol-timestamp-dependence", cmp, format!(
                    "`{}` gates a payout on a window of seconds of block time, which the miner can shift",
                    cmp.tokens()
                ));
            }
        }
    }
}

/// A payout whose amount is a plain state variable that another public function sets from
/// caller input (`msg.sender.transfer(reward)` while `setReward` can change `reward`): whoever
/// orders the transactions in the block decides what is paid.
fn transaction_order(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    if !f.is_entry() || !f.changes_state() {
        return;
    }
    let contract = &inp.unit.contracts[f.contract];
    for e in events(inp.unit, f) {
        if !e.local || !matches!(e.kind, EventKind::ExternalCall { value: true, .. }) {
            continue;
        }
        let amount = match callee(e.node) {
            Some((op, true)) if op.is(NK::MemberAccessExpression) => {
                // `x.call.value(v)()`: the value is the argument of `.value`
                e.node
                    .child(EdgeLabel::Operand)
                    .filter(|o| o.is(NK::FunctionCallExpression))
                    .and_then(|o| call_args(o).first().copied())
                    .or_else(|| call_args(e.node).first().copied())
            }
            _ => call_args(e.node).first().copied(),
        };
        let Some(amount) = amount.filter(|a| a.is_token(TK::Identifier)) else {
            continue;
        };
        let Some(var) = inp.unit.state_var(f.contract, &amount.text) else {
            continue;
        };
        if var.constant || !(var.ty.starts_with("uint") || var.ty.starts_with("int")) {
            continue;
        }
        // a reset of the amount (`reward = msg.value`), not an accumulation
        let resets = |g: &Function<'_>, n: &Node| {
            n.is(NK::AssignmentExpression)
                && has_op(n, TK::Equal)
                && n.child(EdgeLabel::LeftOperand)
                    .is_some_and(|l| is_ident(l, &amount.text))
                && n.child(EdgeLabel::RightOperand).is_some_and(|r| {
                    r.any(&|x| {
                        is_member(x, "msg", "value")
                            || x.is_token(TK::Identifier) && g.param(&x.text).is_some()
                    })
                })
        };
        let setter = contract
            .linear
            .iter()
            .flat_map(|&k| inp.unit.contracts[k].functions.iter())
            .find(|g| {
                g.is_entry()
                    && !std::ptr::eq(*g, f)
                    && g.body.is_some_and(|b| b.any(&|n| resets(g, n)))
            })
            .or_else(|| {
                // the same function (a fallback serving both the owner and the solvers) resets
                // the amount on a branch exclusive with the payment
                let exclusive = |w: &model::Event<'_>| {
                    e.branches
                        .iter()
                        .any(|(id, arm)| w.branches.iter().any(|(i2, a2)| id == i2 && arm != a2))
                };
                events(inp.unit, f)
                    .iter()
                    .any(|w| {
                        w.local
                            && matches!(&w.kind, EventKind::StateWrite { var } if *var == amount.text)
                            && resets(f, w.node)
                            && exclusive(w)
                    })
                    .then_some(f)
            });
        if let Some(g) = setter {
            push(out, "sol-transaction-order", e.node, format!(
                "`{}` pays `{}`, which `{}` can change in the same block: the order of the transactions decides the amount",
                f.name, amount.text, g.name
            ));
        }
    }
}

/// Before 0.5 the ABI decoder accepted short calldata: a token transfer `(address, uint)`
/// called with a truncated address shifts the amount left by the missing bytes.
fn short_address(inp: &Input<'_>, f: &Function<'_>, body: &Node, out: &mut Vec<Issue>) {
    if inp.version >= (0, 5, 0) || !f.is_entry() || !f.changes_state() {
        return;
    }
    let n = f.params.len();
    let lower = f.name.to_ascii_lowercase();
    let moves = ["transfer", "send", "coin", "pay"]
        .iter()
        .any(|w| lower.contains(w));
    if !moves || n < 2 || !f.params[n - 1].ty.starts_with("uint") {
        return;
    }
    let Some(to) = f.params[..n - 1].iter().find(|p| p.ty == "address") else {
        return;
    };
    // it moves a balance keyed by that address
    let credits = body.any(&|x| {
        x.is(NK::AssignmentExpression)
            && x.child(EdgeLabel::LeftOperand).is_some_and(|l| {
                l.is(NK::IndexAccessExpression)
                    && l.child(EdgeLabel::Start)
                        .is_some_and(|s| is_ident(s, &to.name))
            })
    });
    // an `onlyPayloadSize`-style check on msg.data.length
    let checked = f.modifiers.iter().any(|m| {
        inp.unit.lookup(f.contract, m).iter().any(|g| {
            g.body
                .is_some_and(|b| b.any(&|x| is_member(x, "msg", "data")))
        })
    }) || body.any(&|x| is_member(x, "msg", "data"));
    if credits && !checked {
        push(out, "sol-short-address", f.node, format!(
            "`{}` takes `(address, {})` and moves balances with no calldata length check: a short address shifts the amount",
            f.name, f.params[n - 1].ty
        ));
    }
}

/// Before 0.5 a function without a visibility keyword is public. One named like a helper
/// (`_sendWinnings`) that changes state was meant to be internal: anyone can call it.
fn default_visibility(inp: &Input<'_>, f: &Function<'_>, out: &mut Vec<Issue>) {
    if inp.version >= (0, 5, 0)
        || f.explicit_visibility
        || f.kind != FnKind::Function
        || !f.name.starts_with('_')
        || !f.changes_state()
        || model::is_protected(inp.unit, f)
    {
        return;
    }
    push(
        out,
        "sol-default-visibility",
        f.node,
        format!(
            "`{}` has no visibility keyword, so it is public: anyone can call this helper",
            f.name
        ),
    );
}

/// `uint256 private salt = block.timestamp;`: a state variable named as a source of randomness
/// and initialised from block values — everything drawn from it is predictable.
fn seed_state(inp: &Input<'_>, out: &mut Vec<Issue>) {
    for c in inp.unit.local_contracts() {
        for v in &c.state_vars {
            let l = v.name.to_ascii_lowercase();
            if !["seed", "salt", "rand", "entropy"]
                .iter()
                .any(|w| l.contains(w))
            {
                continue;
            }
            let Some(src) = v.node.child(EdgeLabel::Value).and_then(block_source) else {
                continue;
            };
            push(
                out,
                "sol-weak-prng",
                v.node,
                format!(
                    "`{}` is seeded from {src}, which the block producer knows or sets",
                    v.name
                ),
            );
        }
    }
}
