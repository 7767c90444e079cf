//! A light semantic model over the syntax tree: contracts with their linearised bases,
//! functions and modifiers with visibility, state variables, and per-function events
//! (external calls, state writes) in evaluation order, following internal calls.

use std::collections::{HashMap, HashSet};

use slang_solidity::cst::{EdgeLabel, NonterminalKind as NK, TerminalKind as TK};

use crate::tree::{Kind, Node};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractKind {
    Contract,
    Abstract,
    Interface,
    Library,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    Function,
    Constructor,
    Fallback,
    Receive,
    Modifier,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Public,
    External,
    Internal,
    Private,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    NonPayable,
    Payable,
    View,
    Pure,
}

/// A declared variable (state variable, parameter or local).
#[derive(Clone, Debug)]
pub struct Var<'a> {
    pub name: String,
    /// The type as written, tokens joined without spaces (`uint256`, `mapping(address=>uint)`).
    pub ty: String,
    /// `storage` location on a local (an alias into state).
    pub storage_ref: bool,
    /// `constant` or `immutable` state variable.
    pub constant: bool,
    pub node: &'a Node,
}

/// A parameter, local declaration or tuple member named `n`, its type under the `ty` edge; a
/// tuple member has no storage location, so `storage_ref` is false there as it should be.
fn local_var(n: &Node, ty: EdgeLabel) -> Option<Var<'_>> {
    let name = n.child(EdgeLabel::Name)?;
    Some(Var {
        name: name.text.clone(),
        ty: n.child(ty).map(Node::compact).unwrap_or_default(),
        storage_ref: n
            .child(EdgeLabel::StorageLocation)
            .is_some_and(|s| s.is_token(TK::StorageKeyword)),
        constant: false,
        node: n,
    })
}

impl Var<'_> {
    /// `string`, `bytes` or a dynamic array: the types `abi.encodePacked` concatenates ambiguously.
    pub fn is_dynamic(&self) -> bool {
        self.ty == "string" || self.ty == "bytes" || self.ty.ends_with("[]")
    }
}

#[derive(Debug)]
pub struct Function<'a> {
    pub name: String,
    pub kind: FnKind,
    pub visibility: Visibility,
    /// The visibility was written (before 0.5 it could be left out, meaning public).
    pub explicit_visibility: bool,
    pub mutability: Mutability,
    pub modifiers: Vec<String>,
    pub params: Vec<Var<'a>>,
    pub locals: Vec<Var<'a>>,
    pub body: Option<&'a Node>,
    pub node: &'a Node,
    /// Index of the contract that declares it.
    pub contract: usize,
}

impl Function<'_> {
    /// Callable from outside: public or external, not a constructor or modifier.
    pub fn is_entry(&self) -> bool {
        matches!(self.visibility, Visibility::Public | Visibility::External)
            && !matches!(self.kind, FnKind::Constructor | FnKind::Modifier)
    }

    pub fn changes_state(&self) -> bool {
        matches!(
            self.mutability,
            Mutability::NonPayable | Mutability::Payable
        )
    }

    pub fn param(&self, name: &str) -> Option<&Var<'_>> {
        self.params.iter().find(|p| p.name == name)
    }

    pub fn local(&self, name: &str) -> Option<&Var<'_>> {
        self.locals.iter().find(|p| p.name == name)
    }

    pub fn has_modifier_like(&self, words: &[&str]) -> bool {
        self.modifiers.iter().any(|m| {
            let m = m.to_ascii_lowercase();
            words.iter().any(|w| m.contains(w))
        })
    }
}

#[derive(Debug)]
pub struct Contract<'a> {
    pub name: String,
    pub kind: ContractKind,
    pub node: &'a Node,
    /// Direct bases as written (`is A, B`).
    pub bases: Vec<String>,
    /// C3 linearisation over the known contracts (this file's and its imports'), most derived
    /// first (self included). Bases that are not found (unresolved imports) are not in it.
    pub linear: Vec<usize>,
    pub functions: Vec<Function<'a>>,
    pub state_vars: Vec<Var<'a>>,
}

/// The model of one file.
#[derive(Debug)]
pub struct Unit<'a> {
    /// Local contracts first (`..local`), then those of imported files.
    pub contracts: Vec<Contract<'a>>,
    /// How many of `contracts` the analysed file declares.
    pub local: usize,
    /// Names of structs and enums declared anywhere in the file (not contracts).
    pub value_types: HashSet<String>,
    /// Names of libraries declared in the file and `using X for` targets.
    pub libraries: HashSet<String>,
    /// `using SafeMath for ...` (or any library named like SafeMath) appears.
    pub uses_safemath: bool,
    /// Types named in `using L for T`: member calls on them go to a library.
    pub using_targets: HashSet<String>,
}

impl<'a> Unit<'a> {
    /// The model of one file on its own.
    pub fn build(root: &'a Node) -> Unit<'a> {
        Unit::build_with(root, &[])
    }

    /// The model of the file at `root` with the contracts of the files it imports (directly or
    /// not) visible: inheritance, modifiers, state variables and types resolve across files.
    /// Only the local file's contracts are analysed ([`Unit::local_functions`]); the local
    /// ones come first, so a local name wins over an imported one.
    pub fn build_with(root: &'a Node, imports: &[&'a Node]) -> Unit<'a> {
        let mut unit = Unit {
            contracts: Vec::new(),
            local: 0,
            value_types: HashSet::new(),
            libraries: HashSet::new(),
            uses_safemath: false,
            using_targets: HashSet::new(),
        };
        unit.uses_safemath = unit.collect_names(root);
        let mut defs: Vec<&'a Node> = Vec::new();
        for (i, r) in std::iter::once(root)
            .chain(imports.iter().copied())
            .enumerate()
        {
            if i > 0 {
                // types and libraries of imported files are known by name; SafeMath only
                // counts when a base contract declares it (checked below)
                unit.collect_names(r);
            }
            r.walk(&mut |n| {
                if n.is(NK::ContractDefinition)
                    || n.is(NK::InterfaceDefinition)
                    || n.is(NK::LibraryDefinition)
                {
                    defs.push(n);
                    return false;
                }
                true
            });
            if i == 0 {
                unit.local = defs.len();
            }
        }
        for (ci, d) in defs.into_iter().enumerate() {
            let c = contract(d, ci);
            if c.kind == ContractKind::Library {
                unit.libraries.insert(c.name.clone());
            }
            unit.contracts.push(c);
        }
        let lins: Vec<Vec<usize>> = (0..unit.contracts.len())
            .map(|i| unit.linearise(i, &mut Vec::new()))
            .collect();
        for (c, l) in unit.contracts.iter_mut().zip(lins) {
            c.linear = l;
        }
        // `using SafeMath for uint` in an imported base applies to the derived contracts too
        if !unit.uses_safemath {
            unit.uses_safemath = unit.contracts[..unit.local].iter().any(|c| {
                c.linear.iter().any(|&k| {
                    k >= unit.local
                        && unit.contracts[k].node.any(&|n| {
                            n.is(NK::UsingDirective)
                                && n.compact().to_ascii_lowercase().contains("safemath")
                        })
                })
            });
        }
        unit
    }

    /// Records struct, enum, library and `using` names of a file; returns whether it uses a
    /// SafeMath-like library.
    fn collect_names(&mut self, root: &'a Node) -> bool {
        let mut safemath = false;
        root.walk(&mut |n| {
            if n.is(NK::StructDefinition) || n.is(NK::EnumDefinition) {
                if let Some(name) = n.child(EdgeLabel::Name) {
                    self.value_types.insert(name.text.clone());
                }
            }
            if n.is(NK::UsingDirective) {
                let t = n.compact();
                if t.to_ascii_lowercase().contains("safemath") {
                    safemath = true;
                }
                if let Some(t) = n.child(EdgeLabel::Target) {
                    self.using_targets.insert(t.compact());
                }
                if let Some(c) = n.child(EdgeLabel::Clause) {
                    if let Some(id) = c.first_ident() {
                        self.libraries.insert(id.to_string());
                    }
                }
            }
            // statements hold no declarations of these
            !n.is(NK::Block)
        });
        safemath
    }

    /// Is contract `ci` declared in the analysed file (not in an import)?
    pub fn is_local(&self, ci: usize) -> bool {
        ci < self.local
    }

    /// The contracts declared in the analysed file.
    pub fn local_contracts(&self) -> &[Contract<'a>] {
        &self.contracts[..self.local.min(self.contracts.len())]
    }

    /// Every function of the analysed file, with the contract that declares it.
    pub fn local_functions(&self) -> impl Iterator<Item = (&Contract<'a>, &Function<'a>)> {
        self.local_contracts()
            .iter()
            .flat_map(|c| c.functions.iter().map(move |f| (c, f)))
    }

    pub fn contract_index(&self, name: &str) -> Option<usize> {
        self.contracts.iter().position(|c| c.name == name)
    }

    /// C3 linearisation (Solidity lists bases from most base to most derived, so the merge
    /// takes them right to left). Unknown bases are skipped; cycles end the recursion.
    fn linearise(&self, i: usize, stack: &mut Vec<usize>) -> Vec<usize> {
        if stack.contains(&i) {
            return vec![i];
        }
        stack.push(i);
        let bases: Vec<usize> = self.contracts[i]
            .bases
            .iter()
            .rev()
            .filter_map(|b| self.contract_index(b))
            .collect();
        let mut seqs: Vec<Vec<usize>> = bases.iter().map(|&b| self.linearise(b, stack)).collect();
        seqs.push(bases);
        stack.pop();
        let mut out = vec![i];
        loop {
            seqs.retain(|s| !s.is_empty());
            if seqs.is_empty() {
                break;
            }
            let head = seqs
                .iter()
                .map(|s| s[0])
                .find(|h| !seqs.iter().any(|s| s[1..].contains(h)));
            // inconsistent hierarchy: fall back to the first head
            let h = head.unwrap_or(seqs[0][0]);
            out.push(h);
            for s in seqs.iter_mut() {
                s.retain(|x| *x != h);
            }
        }
        let mut seen = HashSet::new();
        out.retain(|x| seen.insert(*x));
        out
    }

    /// State variable `name` visible in contract `ci` (own first, then bases in order).
    pub fn state_var(&self, ci: usize, name: &str) -> Option<&Var<'a>> {
        self.contracts[ci]
            .linear
            .iter()
            .find_map(|&k| self.contracts[k].state_vars.iter().find(|v| v.name == name))
    }

    /// Functions or modifiers named `name` visible in contract `ci`, most derived first.
    pub fn lookup(&self, ci: usize, name: &str) -> Vec<&Function<'a>> {
        self.contracts[ci]
            .linear
            .iter()
            .flat_map(|&k| {
                self.contracts[k]
                    .functions
                    .iter()
                    .filter(|f| f.name == name)
            })
            .collect()
    }

    /// Every function, with the contract that declares it.
    pub fn functions(&self) -> impl Iterator<Item = (&Contract<'a>, &Function<'a>)> {
        self.contracts
            .iter()
            .flat_map(|c| c.functions.iter().map(move |f| (c, f)))
    }
}

fn contract(d: &Node, ci: usize) -> Contract<'_> {
    let kind = if d.is(NK::InterfaceDefinition) {
        ContractKind::Interface
    } else if d.is(NK::LibraryDefinition) {
        ContractKind::Library
    } else if d.any(&|n| n.is_token(TK::AbstractKeyword))
        && d.children.iter().any(|c| c.is_token(TK::AbstractKeyword))
    {
        ContractKind::Abstract
    } else {
        ContractKind::Contract
    };
    let name = d
        .child(EdgeLabel::Name)
        .map(|n| n.text.clone())
        .unwrap_or_default();
    let mut bases = Vec::new();
    d.walk(&mut |n| {
        if n.is(NK::ContractMembers) || n.is(NK::InterfaceMembers) || n.is(NK::LibraryMembers) {
            return false;
        }
        if n.is(NK::InheritanceType) {
            if let Some(t) = n.child(EdgeLabel::TypeName) {
                // `A.B` names its last part
                let t = t.compact();
                bases.push(t.rsplit('.').next().unwrap_or(&t).to_string());
            }
            return false;
        }
        true
    });
    let mut c = Contract {
        name,
        kind,
        node: d,
        bases,
        linear: vec![ci],
        functions: Vec::new(),
        state_vars: Vec::new(),
    };
    let Some(members) = d.child(EdgeLabel::Members) else {
        return c;
    };
    for m in &members.children {
        if m.is(NK::StateVariableDefinition) {
            let constant = m.child(EdgeLabel::Attributes).is_some_and(|a| {
                a.any(&|n| n.is_token(TK::ConstantKeyword) || n.is_token(TK::ImmutableKeyword))
            });
            c.state_vars.push(Var {
                name: m
                    .child(EdgeLabel::Name)
                    .map(|n| n.text.clone())
                    .unwrap_or_default(),
                ty: m
                    .child(EdgeLabel::TypeName)
                    .map(Node::compact)
                    .unwrap_or_default(),
                storage_ref: false,
                constant,
                node: m,
            });
        } else if let Some(f) = function(m, &c.name, kind, ci) {
            c.functions.push(f);
        }
    }
    c
}

fn function<'a>(
    m: &'a Node,
    contract_name: &str,
    ck: ContractKind,
    ci: usize,
) -> Option<Function<'a>> {
    let Kind::Rule(k) = m.kind else { return None };
    let mut fk = match k {
        NK::FunctionDefinition => FnKind::Function,
        NK::ConstructorDefinition => FnKind::Constructor,
        NK::FallbackFunctionDefinition | NK::UnnamedFunctionDefinition => FnKind::Fallback,
        NK::ReceiveFunctionDefinition => FnKind::Receive,
        NK::ModifierDefinition => FnKind::Modifier,
        _ => return None,
    };
    let name = match m.child(EdgeLabel::Name) {
        Some(n) => n.compact(),
        None => match fk {
            FnKind::Constructor => "constructor".into(),
            FnKind::Receive => "receive".into(),
            _ => "fallback".into(),
        },
    };
    if fk == FnKind::Function && name == contract_name {
        // pre-0.5 constructor named after the contract
        fk = FnKind::Constructor;
    }
    let mut visibility = None;
    let mut mutability = Mutability::NonPayable;
    let mut modifiers = Vec::new();
    if let Some(attrs) = m.child(EdgeLabel::Attributes) {
        for a in &attrs.children {
            match a.kind {
                Kind::Token(TK::PublicKeyword) => visibility = Some(Visibility::Public),
                Kind::Token(TK::ExternalKeyword) => visibility = Some(Visibility::External),
                Kind::Token(TK::InternalKeyword) => visibility = Some(Visibility::Internal),
                Kind::Token(TK::PrivateKeyword) => visibility = Some(Visibility::Private),
                Kind::Token(TK::PayableKeyword) => mutability = Mutability::Payable,
                Kind::Token(TK::ViewKeyword) | Kind::Token(TK::ConstantKeyword) => {
                    mutability = Mutability::View
                }
                Kind::Token(TK::PureKeyword) => mutability = Mutability::Pure,
                Kind::Rule(NK::ModifierInvocation) => {
                    if let Some(n) = a.child(EdgeLabel::Name) {
                        let t = n.compact();
                        modifiers.push(t.rsplit('.').next().unwrap_or(&t).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let explicit_visibility = visibility.is_some();
    let visibility = visibility.unwrap_or(match (fk, ck) {
        (FnKind::Modifier, _) => Visibility::Internal,
        (_, ContractKind::Interface) | (FnKind::Fallback | FnKind::Receive, _) => {
            Visibility::External
        }
        // before 0.5 the default was public
        _ => Visibility::Public,
    });
    let mut params = Vec::new();
    if let Some(p) = m.child(EdgeLabel::Parameters) {
        p.walk(&mut |n| {
            if n.is(NK::Parameter) {
                params.extend(local_var(n, EdgeLabel::TypeName));
                return false;
            }
            true
        });
    }
    let body = m.child(EdgeLabel::Body).filter(|b| b.is(NK::Block));
    let mut locals = Vec::new();
    if let Some(b) = body {
        b.walk(&mut |n| {
            if n.is(NK::VariableDeclarationStatement) {
                locals.extend(local_var(n, EdgeLabel::VariableType));
            } else if n.is(NK::TypedTupleMember) {
                locals.extend(local_var(n, EdgeLabel::TypeName));
            }
            true
        });
    }
    Some(Function {
        name,
        kind: fk,
        visibility,
        explicit_visibility,
        mutability,
        modifiers,
        params,
        locals,
        body,
        node: m,
        contract: ci,
    })
}

// ------------------------------------------------------------------ expression helpers

/// `a.b` as (`a` node, `b` text).
pub fn member(n: &Node) -> Option<(&Node, &str)> {
    if !n.is(NK::MemberAccessExpression) {
        return None;
    }
    let base = n.child(EdgeLabel::Operand)?;
    let m = n.child(EdgeLabel::Member)?;
    Some((base, m.text.as_str()))
}

/// Is `n` the expression `a.b` with these texts?
pub fn is_member(n: &Node, a: &str, b: &str) -> bool {
    member(n).is_some_and(|(base, m)| m == b && base.is_token(TK::Identifier) && base.text == a)
}

pub fn is_ident(n: &Node, name: &str) -> bool {
    n.is_token(TK::Identifier) && n.text == name
}

/// Positional arguments of a call.
pub fn call_args(call: &Node) -> Vec<&Node> {
    let Some(a) = call.child(EdgeLabel::Arguments) else {
        return Vec::new();
    };
    let Some(list) = a.child(EdgeLabel::Arguments) else {
        return Vec::new();
    };
    list.children
        .iter()
        .filter(|c| c.label == EdgeLabel::Item)
        .collect()
}

/// The callee of a call with `{value: ..}` options and old `.value(..)`/`.gas(..)` stripped,
/// and whether ETH is attached.
pub fn callee(call: &Node) -> Option<(&Node, bool)> {
    let mut op = call.child(EdgeLabel::Operand)?;
    let mut value = false;
    loop {
        if op.is(NK::CallOptionsExpression) {
            if let Some(opts) = op.child(EdgeLabel::Options) {
                if opts.children.iter().any(|o| {
                    o.is(NK::NamedArgument)
                        && o.child(EdgeLabel::Name).is_some_and(|n| n.text == "value")
                        // `{value: 0}` sends nothing
                        && o.child(EdgeLabel::Value).is_none_or(|v| v.compact() != "0")
                }) {
                    value = true;
                }
            }
            op = op.child(EdgeLabel::Operand)?;
        } else if op.is(NK::FunctionCallExpression) {
            // `x.call.value(v)(...)` / `x.call.gas(g)(...)`
            match op.child(EdgeLabel::Operand).and_then(member) {
                Some((base, "value")) => {
                    value = true;
                    op = base;
                }
                Some((base, "gas")) => op = base,
                _ => return Some((op, value)),
            }
        } else {
            return Some((op, value));
        }
    }
}

/// The identifier at the root of an lvalue or member chain (`a` in `a[i].b`), through
/// `payable(x)`/`address(x)` conversions.
pub fn root_ident(n: &Node) -> Option<&Node> {
    if n.is_token(TK::Identifier) {
        return Some(n);
    }
    if n.is(NK::IndexAccessExpression) || n.is(NK::MemberAccessExpression) {
        return root_ident(n.child(EdgeLabel::Operand)?);
    }
    if n.is(NK::FunctionCallExpression) {
        let op = n.child(EdgeLabel::Operand)?;
        if op.is_token(TK::PayableKeyword)
            || op.is_token(TK::AddressKeyword)
            || op.is(NK::AddressType)
            || matches!(op.kind, Kind::Token(_)) && !op.is_token(TK::Identifier)
        {
            return call_args(n).first().and_then(|a| root_ident(a));
        }
    }
    if n.is(NK::TupleExpression) {
        // `(x)`
        let mut ids = Vec::new();
        n.find_all(&|c| c.is_token(TK::Identifier), &mut ids);
        if ids.len() == 1 {
            return ids.first().copied();
        }
    }
    None
}

/// `msg.sender` or `_msgSender()` anywhere below `n`.
pub fn mentions_sender(n: &Node) -> bool {
    n.any(&|c| {
        is_member(c, "msg", "sender")
            || (c.is(NK::FunctionCallExpression)
                && c.child(EdgeLabel::Operand)
                    .is_some_and(|o| is_ident(o, "_msgSender")))
    })
}

fn is_sender(n: &Node) -> bool {
    is_member(n, "msg", "sender")
        || (n.is(NK::FunctionCallExpression)
            && n.child(EdgeLabel::Operand)
                .is_some_and(|o| is_ident(o, "_msgSender")))
}

/// Does a condition restrict *who* calls: `msg.sender == x`, `hasRole(r, msg.sender)`,
/// `admins[msg.sender]` used as a flag? A sender inside an amount comparison
/// (`balances[msg.sender] >= v`) is not a restriction.
pub fn sender_guard(n: &Node, in_amount: bool) -> bool {
    if n.is(NK::EqualityExpression) {
        let direct = n
            .children
            .iter()
            .filter(|c| c.label == EdgeLabel::LeftOperand || c.label == EdgeLabel::RightOperand)
            .any(|c| {
                is_sender(c)
                    || root_ident(c).is_some_and(|r| r.text == "msg") && c.compact() == "msg.sender"
            });
        if direct {
            return true;
        }
    }
    if n.is(NK::FunctionCallExpression) && !in_amount && !is_sender(n) {
        // `hasRole(r, msg.sender)`, `isOwner(msg.sender)`, `auth.canCall(msg.sender, ..)`;
        // not `token.transfer(msg.sender, v)`
        let name = n.child(EdgeLabel::Operand).and_then(|o| {
            if o.is_token(TK::Identifier) {
                Some(o.text.as_str())
            } else {
                member(o).map(|(_, m)| m)
            }
        });
        let checker = name.is_some_and(|m| {
            let l = m.trim_start_matches('_').to_ascii_lowercase();
            [
                "is",
                "has",
                "can",
                "check",
                "only",
                "auth",
                "verify",
                "allowed",
                "whitelisted",
            ]
            .iter()
            .any(|p| l.starts_with(p))
                || GUARD_WORDS.iter().any(|w| l.contains(w))
        });
        if checker && call_args(n).iter().any(|a| is_sender(a)) {
            return true;
        }
    }
    if n.is(NK::IndexAccessExpression)
        && !in_amount
        && n.child(EdgeLabel::Start).is_some_and(is_sender)
    {
        return true;
    }
    let amount = in_amount
        || n.is(NK::InequalityExpression)
        || n.is(NK::AdditiveExpression)
        || n.is(NK::MultiplicativeExpression);
    n.children.iter().any(|c| sender_guard(c, amount))
}

/// Conditions that guard execution: `require`/`assert` arguments and `if` conditions.
pub fn conditions(body: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    body.walk(&mut |n| {
        if n.is(NK::IfStatement) || n.is(NK::WhileStatement) {
            if let Some(c) = n.child(EdgeLabel::Condition) {
                out.push(c);
            }
        } else if n.is(NK::FunctionCallExpression) {
            if let Some(op) = n.child(EdgeLabel::Operand) {
                if is_ident(op, "require") || is_ident(op, "assert") {
                    if let Some(first) = call_args(n).first() {
                        out.push(first);
                    }
                }
            }
        } else if n.is(NK::ConditionalExpression) {
            if let Some(c) = n.child(EdgeLabel::Operand) {
                out.push(c);
            }
        }
        true
    });
    out
}

/// Names of functions called as plain identifiers (`foo(..)`), in order.
pub fn internal_calls(body: &Node) -> Vec<(&str, &Node)> {
    let mut out = Vec::new();
    body.walk(&mut |n| {
        if n.is(NK::FunctionCallExpression) {
            if let Some(op) = n.child(EdgeLabel::Operand) {
                if op.is_token(TK::Identifier) {
                    out.push((op.text.as_str(), n));
                } else if let Some((base, m)) = member(op) {
                    if is_ident(base, "super") {
                        out.push((m, n));
                    }
                }
            }
        }
        true
    });
    out
}

// ------------------------------------------------------------------ access control

const GUARD_WORDS: &[&str] = &[
    "only",
    "auth",
    "owner",
    "admin",
    "role",
    "govern",
    "restricted",
    "permission",
    "whitelist",
    "allowlist",
    "operator",
    "manager",
    "controller",
    "keeper",
    "minter",
    "pauser",
    "guardian",
    "multisig",
    "dao",
    "timelock",
    "signer",
    "trusted",
    "caller",
    "sender",
    "requires",
];

/// Does the function (or a modifier it invokes, or an internal function it calls, two levels
/// deep) restrict who may call it? Evidence: a guard-named modifier, a condition on
/// `msg.sender`, or a call to a `_checkOwner`-like helper.
pub fn is_protected(unit: &Unit<'_>, f: &Function<'_>) -> bool {
    if f.has_modifier_like(GUARD_WORDS) {
        return true;
    }
    let ci = f.contract;
    let mut seen = HashSet::new();
    let mut queue: Vec<(&Function<'_>, u8)> = vec![(f, 0)];
    for m in &f.modifiers {
        for g in unit.lookup(ci, m) {
            queue.push((g, 1));
        }
    }
    while let Some((g, depth)) = queue.pop() {
        if !seen.insert(node_id(g.node)) {
            continue;
        }
        let Some(body) = g.body else { continue };
        // authorised by a signature
        if body.any(&|n| {
            n.is(NK::FunctionCallExpression)
                && n.child(EdgeLabel::Operand).is_some_and(|o| {
                    is_ident(o, "ecrecover")
                        || member(o).is_some_and(|(_, m)| {
                            matches!(m, "recover" | "tryRecover" | "isValidSignatureNow")
                        })
                })
        }) {
            return true;
        }
        // a tx.origin check is a (weak) restriction too: `sol-tx-origin` reports its weakness
        if conditions(body)
            .iter()
            .any(|c| sender_guard(c, false) || c.any(&|n| is_member(n, "tx", "origin")))
        {
            return true;
        }
        for (name, _) in internal_calls(body) {
            let lower = name.trim_start_matches('_').to_ascii_lowercase();
            if [
                "check", "only", "require", "auth", "ensure", "assert", "verify", "validate",
            ]
            .iter()
            .any(|p| lower.starts_with(p))
                && GUARD_WORDS.iter().any(|w| lower.contains(w))
            {
                return true;
            }
            if depth < 2 {
                for h in unit.lookup(ci, name) {
                    queue.push((h, depth + 1));
                }
            }
        }
    }
    false
}

// ------------------------------------------------------------------ events in order

/// What a function does, in evaluation order.
#[derive(Clone, Debug)]
pub enum EventKind {
    /// A call leaving the contract. `value`: ETH attached with full gas (call/functionCallWithValue);
    /// `stipend`: `send`/`transfer` (2300 gas).
    ExternalCall {
        value: bool,
        stipend: bool,
        low_level: bool,
    },
    /// A write to a state variable (or through a storage reference).
    StateWrite { var: String },
}

#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub kind: EventKind,
    pub node: &'a Node,
    /// Identities ([`node_id`]) of the loops around the event (in the function where it occurs).
    pub loops: Vec<usize>,
    /// `(if statement identity, 0 for then / 1 for else)` of the branches around the event.
    pub branches: Vec<(usize, u8)>,
    /// The event is in the analysed file (not in a function or modifier of an imported base),
    /// so its node's offset is in the file's text.
    pub local: bool,
}

/// The identity of a node: its address. Byte offsets repeat across files once imports are in
/// the model, addresses do not (every tree stays alive while a unit borrows it).
pub fn node_id(n: &Node) -> usize {
    std::ptr::from_ref(n).addr()
}

/// Classifies a call expression as an external call.
pub fn external_call(unit: &Unit<'_>, f: &Function<'_>, call: &Node) -> Option<EventKind> {
    let (op, value) = callee(call)?;
    let (base, m) = member(op)?;
    let nargs = call_args(call).len();
    // calls to this contract itself (`address(this).call`, `Address.functionDelegateCall(address(this), ..)`)
    let is_self = |n: &Node| matches!(n.compact().as_str(), "address(this)" | "this");
    if is_self(base)
        || (is_ident(base, "Address") && call_args(call).first().is_some_and(|a| is_self(a)))
    {
        return None;
    }
    match m {
        "call" | "delegatecall" | "callcode" | "staticcall" => {
            return Some(EventKind::ExternalCall {
                value,
                stipend: false,
                low_level: true,
            })
        }
        "send" => {
            return Some(EventKind::ExternalCall {
                value: true,
                stipend: true,
                low_level: true,
            })
        }
        "transfer" if nargs == 1 && !value => {
            return Some(EventKind::ExternalCall {
                value: true,
                stipend: true,
                low_level: true,
            })
        }
        "sendValue" | "functionCallWithValue" => {
            return Some(EventKind::ExternalCall {
                value: true,
                stipend: false,
                low_level: true,
            })
        }
        "functionCall" | "functionDelegateCall" => {
            return Some(EventKind::ExternalCall {
                value,
                stipend: false,
                low_level: true,
            })
        }
        _ => {}
    }
    if base.is_token(TK::Identifier) {
        let name = base.text.as_str();
        if [
            "this", "super", "abi", "msg", "block", "tx", "string", "bytes", "type",
        ]
        .contains(&name)
        {
            return None;
        }
        if unit.libraries.contains(name) || unit.contract_index(name).is_some() {
            return None;
        }
        let ty = f
            .param(name)
            .or_else(|| f.local(name))
            .map(|v| v.ty.clone())
            .or_else(|| unit.state_var(f.contract, name).map(|v| v.ty.clone()))?;
        return is_contract_type(unit, &ty).then_some(EventKind::ExternalCall {
            value,
            stipend: false,
            low_level: false,
        });
    }
    if base.is(NK::FunctionCallExpression) {
        // `IERC20(token).transfer(..)`: a conversion to a contract type
        let conv = base.child(EdgeLabel::Operand)?;
        if conv.is_token(TK::Identifier)
            && call_args(base).len() == 1
            && is_contract_type(unit, &conv.text)
            && unit.lookup(f.contract, &conv.text).is_empty()
        {
            return Some(EventKind::ExternalCall {
                value,
                stipend: false,
                low_level: false,
            });
        }
    }
    None
}

/// A user-defined type that is a contract or interface (not a struct, enum or library).
fn is_contract_type(unit: &Unit<'_>, ty: &str) -> bool {
    // `Lib.Struct` (`Checkpoints.Trace208`, `EnumerableSet.AddressSet`) names a struct, enum or
    // value type declared in a library or contract; contracts cannot be nested
    if ty.contains('.') || unit.using_targets.contains(ty) {
        return false;
    }
    let t = ty;
    let starts_upper = t.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let ident = t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !starts_upper || !ident || unit.value_types.contains(t) || unit.libraries.contains(t) {
        return false;
    }
    match unit.contract_index(t) {
        Some(i) => unit.contracts[i].kind != ContractKind::Library,
        None => true,
    }
}

/// Collects a function's events in evaluation order, inlining internal calls (depth 3).
pub fn events<'a>(unit: &'a Unit<'a>, f: &'a Function<'a>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut stack = vec![node_id(f.node)];
    // modifiers run first (their code before `_` is where checks and calls usually sit)
    let mods: Vec<&'a Function<'a>> = f
        .modifiers
        .iter()
        .filter_map(|m| {
            unit.lookup(f.contract, m)
                .into_iter()
                .find(|g| g.kind == FnKind::Modifier)
        })
        .collect();
    for m in mods {
        if let Some(b) = m.body {
            let mut cx = Cx {
                unit,
                f: m,
                out: &mut out,
                loops: Vec::new(),
                branches: Vec::new(),
                stack: &mut stack,
            };
            cx.visit(b);
        }
    }
    if let Some(b) = f.body {
        let mut cx = Cx {
            unit,
            f,
            out: &mut out,
            loops: Vec::new(),
            branches: Vec::new(),
            stack: &mut stack,
        };
        cx.visit(b);
    }
    out
}

struct Cx<'a, 'o> {
    unit: &'a Unit<'a>,
    f: &'a Function<'a>,
    out: &'o mut Vec<Event<'a>>,
    loops: Vec<usize>,
    branches: Vec<(usize, u8)>,
    stack: &'o mut Vec<usize>,
}

impl<'a> Cx<'a, '_> {
    fn push(&mut self, kind: EventKind, node: &'a Node) {
        self.out.push(Event {
            kind,
            node,
            loops: self.loops.clone(),
            branches: self.branches.clone(),
            local: self.unit.is_local(self.f.contract),
        });
    }

    fn write_target(&mut self, lhs: &'a Node, at: &'a Node) {
        if lhs.is(NK::TupleExpression) {
            let mut ids = Vec::new();
            lhs.find_all(&|c| c.is_token(TK::Identifier), &mut ids);
            for id in ids {
                self.write_target(id, at);
            }
            return;
        }
        let Some(root) = root_ident(lhs) else { return };
        let name = root.text.as_str();
        let local = self.f.param(name).or_else(|| self.f.local(name));
        let is_state = match local {
            Some(v) => v.storage_ref || implicit_storage_alias(self.unit, self.f, v),
            // not a parameter or local, so a state variable: declared here, or inherited from a
            // base in a file that was not resolved
            None => self
                .unit
                .state_var(self.f.contract, name)
                .is_none_or(|v| !v.constant),
        };
        if is_state {
            self.push(
                EventKind::StateWrite {
                    var: name.to_string(),
                },
                at,
            );
        }
    }

    fn visit(&mut self, n: &'a Node) {
        let Kind::Rule(k) = n.kind else { return };
        match k {
            NK::AssignmentExpression => {
                if let Some(r) = n.child(EdgeLabel::RightOperand) {
                    self.visit(r);
                }
                if let Some(l) = n.child(EdgeLabel::LeftOperand) {
                    // index expressions on the left are evaluated too
                    for c in &l.children {
                        self.visit(c);
                    }
                    self.write_target(l, n);
                }
            }
            NK::PrefixExpression | NK::PostfixExpression => {
                let writes = n.children.iter().any(|c| {
                    c.is_token(TK::PlusPlus)
                        || c.is_token(TK::MinusMinus)
                        || c.is_token(TK::DeleteKeyword)
                });
                if let Some(o) = n.child(EdgeLabel::Operand) {
                    self.visit(o);
                    if writes {
                        self.write_target(o, n);
                    }
                }
            }
            NK::FunctionCallExpression => {
                for c in &n.children {
                    if c.label != EdgeLabel::Operand {
                        self.visit(c);
                    }
                }
                if let Some(op) = n.child(EdgeLabel::Operand) {
                    self.visit(op);
                    if let Some((base, m)) = member(op) {
                        if matches!(m, "push" | "pop") {
                            self.write_target(base, n);
                        }
                    }
                    if op.is_token(TK::Identifier) && self.stack.len() < 4 {
                        let callees: Vec<&'a Function<'a>> = self
                            .unit
                            .lookup(self.f.contract, &op.text)
                            .into_iter()
                            .filter(|g| g.kind == FnKind::Function)
                            .take(1)
                            .collect();
                        for g in callees {
                            if self.stack.contains(&node_id(g.node)) {
                                continue;
                            }
                            if let Some(b) = g.body {
                                self.stack.push(node_id(g.node));
                                let outer = self.f;
                                self.f = g;
                                let saved = std::mem::take(&mut self.loops);
                                self.loops = saved.clone();
                                self.visit(b);
                                self.loops = saved;
                                self.f = outer;
                                self.stack.pop();
                            }
                        }
                    }
                }
                if let Some(kind) = external_call(self.unit, self.f, n) {
                    self.push(kind, n);
                }
            }
            NK::IfStatement => {
                for c in &n.children {
                    let branch = match c.label {
                        EdgeLabel::Body => Some(0),
                        EdgeLabel::ElseBranch => Some(1),
                        _ => None,
                    };
                    if let Some(b) = branch {
                        self.branches.push((node_id(n), b));
                        self.visit(c);
                        self.branches.pop();
                    } else {
                        self.visit(c);
                    }
                }
            }
            NK::ForStatement | NK::WhileStatement | NK::DoWhileStatement => {
                self.loops.push(node_id(n));
                for c in &n.children {
                    self.visit(c);
                }
                self.loops.pop();
            }
            _ => {
                for c in &n.children {
                    self.visit(c);
                }
            }
        }
    }
}

/// The initialiser expression of a variable declaration statement (inside its `= ...`).
pub fn decl_value(decl: &Node) -> Option<&Node> {
    let v = decl.child(EdgeLabel::Value)?;
    if v.is(NK::VariableDeclarationValue) {
        v.child(EdgeLabel::Expression)
    } else {
        Some(v)
    }
}

/// A local declared without a data location that aliases state: before 0.5, `var acc =
/// accounts[msg.sender];` (or `Holder acc = ...`) of a struct or array is a storage pointer,
/// so writes through it are state writes.
pub fn implicit_storage_alias(unit: &Unit<'_>, f: &Function<'_>, v: &Var<'_>) -> bool {
    if !v.node.is(NK::VariableDeclarationStatement)
        || v.node.child(EdgeLabel::StorageLocation).is_some()
    {
        return false;
    }
    let Some(value) = decl_value(v.node) else {
        return false;
    };
    let Some(root) = root_ident(value) else {
        return false;
    };
    if f.param(&root.text).is_some() || f.local(&root.text).is_some() {
        return false;
    }
    let Some(state) = unit.state_var(f.contract, &root.text) else {
        return false;
    };
    // the type of what the initialiser reads: the declared type, or for `var` the state
    // variable's value type after the indexing
    let ty = if v.ty == "var" {
        let depth = value.compact().matches('[').count();
        let mut t = state.ty.as_str();
        for _ in 0..depth {
            t = match t.strip_prefix("mapping(") {
                Some(m) => m
                    .split_once("=>")
                    .map_or(t, |(_, rest)| rest.strip_suffix(')').unwrap_or(rest)),
                None => t.rsplit_once('[').map_or(t, |(head, _)| head),
            };
        }
        t.to_string()
    } else {
        v.ty.clone()
    };
    unit.value_types.contains(&ty) || ty.ends_with(']')
}

/// Does event `b` possibly run after event `a` (later in order, or in a common loop)?
pub fn after(a: &Event<'_>, ai: usize, b: &Event<'_>, bi: usize) -> bool {
    let exclusive = a
        .branches
        .iter()
        .any(|(i, x)| b.branches.iter().any(|(j, y)| i == j && x != y));
    !exclusive && (bi > ai || a.loops.iter().any(|l| b.loops.contains(l)))
}

/// `f` and the functions it reaches through internal calls (depth 3), each once.
pub fn reachable<'a>(unit: &'a Unit<'a>, f: &'a Function<'a>) -> Vec<&'a Function<'a>> {
    let mut out: Vec<&'a Function<'a>> = vec![f];
    let mut i = 0;
    let mut depth = vec![0u8];
    while i < out.len() {
        let g = out[i];
        let d = depth[i];
        i += 1;
        let Some(body) = g.body else { continue };
        if d >= 3 {
            continue;
        }
        for (name, _) in internal_calls(body) {
            for h in unit.lookup(g.contract, name).into_iter().take(1) {
                if h.kind == FnKind::Function && !out.iter().any(|x| std::ptr::eq(*x, h)) {
                    out.push(h);
                    depth.push(d + 1);
                }
            }
        }
    }
    out
}

/// Contracts whose function bodies mention a name, for cheap "is it used anywhere" checks.
pub fn name_counts(root: &Node) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    root.walk(&mut |n| {
        if n.is_token(TK::Identifier) {
            *m.entry(n.text.clone()).or_insert(0) += 1;
        }
        true
    });
    m
}
