//! Transaction rules (risk control), written in TOML and evaluated on [`Facts`].
//!
//! ```toml
//! [[rule]]
//! id = "treasury-cap"
//! kind = "max_value"
//! max = "5 ether"
//! match = { labels = { team = "treasury" } }
//! ```
//!
//! Every matching rule is evaluated; any denial denies (deny wins), with every reason kept.
//! Rules can also require M-of-N approval or add velocity checks, which the stateful part of the
//! engine (`velocity`, `approvals`) then enforces.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use palisade_chain::{Address, U256};
use serde::Deserialize;

use crate::facts::{Action, Facts};
use crate::PolicyError;

/// Which requests a rule applies to; every given field must match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// Key ids or addresses.
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub credentials: Vec<String>,
    #[serde(default)]
    pub chains: Vec<u64>,
    /// JSON-RPC methods or admin operations (e.g. `eth_sendTransaction`, `key.backup`).
    #[serde(default)]
    pub methods: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgPredicate {
    /// Zero-based index of the static ABI argument.
    pub index: usize,
    /// `eq`, `in`, `lte`, `gte`.
    pub op: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedContract {
    pub address: String,
    /// `0xa9059cbb` or `transfer(address,uint256)`; empty means any function.
    #[serde(default)]
    pub selectors: Vec<String>,
    #[serde(default)]
    pub args: Vec<ArgPredicate>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    /// Per-transaction cap on native value.
    MaxValue {
        max: String,
    },
    /// Per-operation cap on an ERC-20 amount (transfer, transferFrom, approve, permit).
    TokenCap {
        /// Token contract, or `*` for any token.
        token: String,
        max: String,
        #[serde(default)]
        decimals: u8,
    },
    /// Rolling window over native value (or a token's amount) and/or request count.
    Velocity {
        window: String,
        #[serde(default)]
        max_value: Option<String>,
        #[serde(default)]
        max_count: Option<u64>,
        /// `key` (default), `credential` or `destination`.
        #[serde(default = "default_per")]
        per: String,
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        decimals: u8,
    },
    DenyDestinations {
        #[serde(default)]
        addresses: Vec<String>,
        /// CSV file of addresses (first column), e.g. a sanctions list.
        #[serde(default)]
        list: Option<String>,
    },
    AllowDestinations {
        addresses: Vec<String>,
    },
    /// Calls with calldata must target a listed contract + function, with argument predicates.
    ContractAllowlist {
        contracts: Vec<AllowedContract>,
    },
    /// ERC-20 approvals/permits of unlimited amount: `deny` or `flag`.
    UnlimitedApproval {
        #[serde(default = "default_deny")]
        action: String,
    },
    ChainPin {
        chains: Vec<u64>,
    },
    FeeCap {
        #[serde(default)]
        max_fee_per_gas: Option<String>,
        #[serde(default)]
        max_priority_fee_per_gas: Option<String>,
    },
    /// Requests are allowed only inside the window (local time of `tz`).
    TimeWindow {
        tz: String,
        /// `mon`..`sun`; empty = every day.
        #[serde(default)]
        days: Vec<String>,
        from: String,
        to: String,
    },
    /// Typed-data primary types that are never signed.
    DenyTypedData {
        primary_types: Vec<String>,
    },
    /// Hold the request for M-of-N approval from a group.
    RequireApproval {
        group: String,
        quorum: u32,
        #[serde(default)]
        min_value: Option<String>,
        #[serde(default = "default_ttl")]
        ttl: String,
    },
}

fn default_per() -> String {
    "key".into()
}
fn default_deny() -> String {
    "deny".into()
}
fn default_ttl() -> String {
    "1h".into()
}

// No `deny_unknown_fields` here: serde cannot combine it with `flatten`; the tagged `RuleKind`
// rejects unknown fields instead.
#[derive(Clone, Debug, Deserialize)]
pub struct RuleDef {
    pub id: String,
    #[serde(default, rename = "match")]
    pub matches: Match,
    #[serde(flatten)]
    pub kind: RuleKind,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// A compiled rule: definitions with every amount, address and window parsed once at load.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    matches: CompiledMatch,
    check: Check,
}

#[derive(Clone, Debug, Default)]
struct CompiledMatch {
    keys: BTreeSet<String>,
    labels: BTreeMap<String, String>,
    credentials: BTreeSet<String>,
    chains: BTreeSet<u64>,
    methods: BTreeSet<String>,
}

#[derive(Clone, Debug)]
struct CompiledContract {
    address: Address,
    selectors: BTreeSet<[u8; 4]>,
    args: Vec<ArgPredicate>,
}

#[derive(Clone, Debug)]
enum Check {
    MaxValue(U256),
    TokenCap {
        token: Option<Address>,
        max: U256,
    },
    Velocity(VelocitySpec),
    Deny(BTreeSet<Address>),
    Allow(BTreeSet<Address>),
    Contracts(Vec<CompiledContract>),
    Unlimited {
        deny: bool,
    },
    ChainPin(BTreeSet<u64>),
    FeeCap {
        max_fee: Option<u128>,
        max_priority: Option<u128>,
    },
    Window {
        tz: jiff::tz::TimeZone,
        days: BTreeSet<i8>,
        from: (i8, i8),
        to: (i8, i8),
    },
    DenyTyped(BTreeSet<String>),
    Approval(ApprovalSpec),
}

/// A rolling-window budget the request must fit in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VelocitySpec {
    pub rule_id: String,
    pub window_secs: u64,
    pub max_value: Option<U256>,
    pub max_count: Option<u64>,
    pub per: VelocityScope,
    pub token: Option<Address>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VelocityScope {
    Key,
    Credential,
    Destination,
}

/// A velocity check instantiated for one request: the bucket and what it adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VelocityCharge {
    pub spec: VelocitySpec,
    /// Bucket identity, e.g. `key:key_ab12`.
    pub bucket: String,
    pub amount: U256,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalSpec {
    pub rule_id: String,
    pub group: String,
    pub quorum: u32,
    pub ttl_secs: u64,
    min_value: Option<U256>,
}

/// The stateless verdict of the rules on one request.
#[derive(Clone, Debug, Default)]
pub struct RuleVerdict {
    /// `(rule id, reason)`; any entry denies.
    pub denials: Vec<(String, String)>,
    /// Allowed-but-noteworthy, for the audit log.
    pub flags: Vec<(String, String)>,
    pub velocity: Vec<VelocityCharge>,
    pub approvals: Vec<ApprovalSpec>,
    /// Ids of every rule that applied.
    pub matched: Vec<String>,
}

/// Parses `"1.5 ether"`, `"20 gwei"`, `"1000"` (base units) or, with `decimals`, `"12.5"`.
pub fn parse_amount(s: &str, decimals: u8) -> Result<U256, String> {
    let s = s.trim().replace('_', "");
    let (num, dec) = match s.split_once(' ') {
        Some((n, "ether" | "eth")) => (n.to_string(), 18u8),
        Some((n, "gwei")) => (n.to_string(), 9),
        Some((n, "wei")) => (n.to_string(), 0),
        Some((_, unit)) => return Err(format!("unknown unit `{unit}` (use ether, gwei or wei)")),
        None => (s.clone(), decimals),
    };
    let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
    if frac.len() > dec as usize {
        return Err(format!(
            "`{s}` has more decimals than the unit allows ({dec})"
        ));
    }
    let digits = format!("{int}{frac:0<width$}", width = dec as usize);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` is not an amount"));
    }
    U256::from_str_radix(&digits, 10).map_err(|_| format!("`{s}` is too large"))
}

/// Parses `"30s"`, `"15m"`, `"1h"`, `"7d"`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 30s, 15m, 1h, 7d)"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{s}` is not a duration (e.g. 30s, 15m, 1h, 7d)")),
    };
    match n.checked_mul(mult) {
        Some(v) if v > 0 && v <= 366 * 86_400 => Ok(v),
        _ => Err(format!("duration `{s}` must be between 1s and 366d")),
    }
}

fn parse_address(s: &str) -> Result<Address, String> {
    Address::from_str(s.trim()).map_err(|_| format!("`{s}` is not an address"))
}

fn parse_selector(s: &str) -> Result<[u8; 4], String> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        let b = hex::decode(h).map_err(|_| format!("selector `{s}` is not hex"))?;
        return b
            .try_into()
            .map_err(|_| format!("selector `{s}` must be 4 bytes"));
    }
    if !(s.contains('(') && s.ends_with(')')) {
        return Err(format!(
            "selector `{s}` must be 0x-hex or a signature like `transfer(address,uint256)`"
        ));
    }
    let h = <sha3::Keccak256 as sha3::Digest>::digest(s.replace(' ', "").as_bytes());
    Ok([h[0], h[1], h[2], h[3]])
}

fn parse_hhmm(s: &str) -> Result<(i8, i8), String> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("time `{s}` must be HH:MM"))?;
    let (h, m): (i8, i8) = (
        h.parse().map_err(|_| format!("time `{s}` must be HH:MM"))?,
        m.parse().map_err(|_| format!("time `{s}` must be HH:MM"))?,
    );
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(format!("time `{s}` is out of range"));
    }
    Ok((h, m))
}

fn parse_weekday(s: &str) -> Result<jiff::civil::Weekday, String> {
    use jiff::civil::Weekday::*;
    Ok(match s.to_ascii_lowercase().get(..3).unwrap_or("") {
        "mon" => Monday,
        "tue" => Tuesday,
        "wed" => Wednesday,
        "thu" => Thursday,
        "fri" => Friday,
        "sat" => Saturday,
        "sun" => Sunday,
        _ => return Err(format!("`{s}` is not a weekday (mon..sun)")),
    })
}

fn load_list(path: &str) -> Result<BTreeSet<Address>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read address list `{path}`: {e}"))?;
    parse_address_csv(&text).map_err(|e| format!("`{path}`: {e}"))
}

/// Addresses from CSV text: first column; a header row and blank or `#` lines are skipped.
pub fn parse_address_csv(text: &str) -> Result<BTreeSet<Address>, String> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let first = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if first.is_empty() || first.starts_with('#') || (i == 0 && !first.starts_with("0x")) {
            continue;
        }
        out.insert(parse_address(first).map_err(|e| format!("line {}: {e}", i + 1))?);
    }
    Ok(out)
}

fn compile(def: RuleDef) -> Result<Rule, String> {
    let id = def.id.clone();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(format!("rule id `{id}` must be 1-64 of [A-Za-z0-9-_.]"));
    }
    let m = &def.matches;
    let matches = CompiledMatch {
        keys: m.keys.iter().map(|k| k.to_ascii_lowercase()).collect(),
        labels: m.labels.clone(),
        credentials: m.credentials.iter().cloned().collect(),
        chains: m.chains.iter().copied().collect(),
        methods: m.methods.iter().cloned().collect(),
    };
    let check = match def.kind {
        RuleKind::MaxValue { max } => Check::MaxValue(parse_amount(&max, 0)?),
        RuleKind::TokenCap {
            token,
            max,
            decimals,
        } => Check::TokenCap {
            token: if token == "*" {
                None
            } else {
                Some(parse_address(&token)?)
            },
            max: parse_amount(&max, decimals)?,
        },
        RuleKind::Velocity {
            window,
            max_value,
            max_count,
            per,
            token,
            decimals,
        } => {
            if max_value.is_none() && max_count.is_none() {
                return Err("a velocity rule needs `max_value` and/or `max_count`".into());
            }
            Check::Velocity(VelocitySpec {
                rule_id: id.clone(),
                window_secs: parse_duration(&window)?,
                max_value: max_value.map(|v| parse_amount(&v, decimals)).transpose()?,
                max_count,
                per: match per.as_str() {
                    "key" => VelocityScope::Key,
                    "credential" => VelocityScope::Credential,
                    "destination" => VelocityScope::Destination,
                    other => {
                        return Err(format!(
                            "velocity `per` must be key, credential or destination, not `{other}`"
                        ))
                    }
                },
                token: token.map(|t| parse_address(&t)).transpose()?,
            })
        }
        RuleKind::DenyDestinations { addresses, list } => {
            let mut set: BTreeSet<Address> = addresses
                .iter()
                .map(|a| parse_address(a))
                .collect::<Result<_, _>>()?;
            if let Some(path) = list {
                set.extend(load_list(&path)?);
            }
            Check::Deny(set)
        }
        RuleKind::AllowDestinations { addresses } => Check::Allow(
            addresses
                .iter()
                .map(|a| parse_address(a))
                .collect::<Result<_, _>>()?,
        ),
        RuleKind::ContractAllowlist { contracts } => Check::Contracts(
            contracts
                .into_iter()
                .map(|c| {
                    for a in &c.args {
                        if !matches!(a.op.as_str(), "eq" | "in" | "lte" | "gte") {
                            return Err(format!(
                                "argument predicate op must be eq, in, lte or gte, not `{}`",
                                a.op
                            ));
                        }
                    }
                    Ok(CompiledContract {
                        address: parse_address(&c.address)?,
                        selectors: c
                            .selectors
                            .iter()
                            .map(|s| parse_selector(s))
                            .collect::<Result<_, _>>()?,
                        args: c.args,
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        RuleKind::UnlimitedApproval { action } => match action.as_str() {
            "deny" => Check::Unlimited { deny: true },
            "flag" => Check::Unlimited { deny: false },
            other => {
                return Err(format!(
                    "unlimited_approval action must be deny or flag, not `{other}`"
                ))
            }
        },
        RuleKind::ChainPin { chains } => Check::ChainPin(chains.into_iter().collect()),
        RuleKind::FeeCap {
            max_fee_per_gas,
            max_priority_fee_per_gas,
        } => {
            let to_u128 = |v: Option<String>| -> Result<Option<u128>, String> {
                v.map(|s| {
                    parse_amount(&s, 0)
                        .and_then(|a| u128::try_from(a).map_err(|_| format!("`{s}` is too large")))
                })
                .transpose()
            };
            Check::FeeCap {
                max_fee: to_u128(max_fee_per_gas)?,
                max_priority: to_u128(max_priority_fee_per_gas)?,
            }
        }
        RuleKind::TimeWindow { tz, days, from, to } => Check::Window {
            tz: jiff::tz::TimeZone::get(&tz).map_err(|_| format!("unknown time zone `{tz}`"))?,
            days: days
                .iter()
                .map(|d| parse_weekday(d).map(|w| w.to_monday_one_offset()))
                .collect::<Result<_, _>>()?,
            from: parse_hhmm(&from)?,
            to: parse_hhmm(&to)?,
        },
        RuleKind::DenyTypedData { primary_types } => {
            Check::DenyTyped(primary_types.into_iter().collect())
        }
        RuleKind::RequireApproval {
            group,
            quorum,
            min_value,
            ttl,
        } => {
            if quorum == 0 || quorum > 32 {
                return Err("approval quorum must be between 1 and 32".into());
            }
            Check::Approval(ApprovalSpec {
                rule_id: id.clone(),
                group,
                quorum,
                ttl_secs: parse_duration(&ttl)?,
                min_value: min_value.map(|v| parse_amount(&v, 0)).transpose()?,
            })
        }
    };
    Ok(Rule { id, matches, check })
}

/// Parses and compiles a rules file; any error rejects the whole file.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, PolicyError> {
    let file: RulesFile = toml::from_str(text)
        .map_err(|e| PolicyError::Invalid(format!("rules: {}", e.message())))?;
    let mut seen = BTreeSet::new();
    let mut rules = Vec::with_capacity(file.rule.len());
    for def in file.rule {
        if !seen.insert(def.id.clone()) {
            return Err(PolicyError::Invalid(format!(
                "rules: duplicate rule id `{}`",
                def.id
            )));
        }
        let id = def.id.clone();
        rules.push(compile(def).map_err(|e| PolicyError::Invalid(format!("rule `{id}`: {e}")))?);
    }
    Ok(rules)
}

impl CompiledMatch {
    fn applies(&self, f: &Facts) -> bool {
        (self.keys.is_empty()
            || self.keys.contains(&f.key_id.to_ascii_lowercase())
            || f.key_address
                .is_some_and(|a| self.keys.contains(&a.to_string().to_ascii_lowercase())))
            && self
                .labels
                .iter()
                .all(|(k, v)| f.key_labels.get(k) == Some(v))
            && (self.credentials.is_empty() || self.credentials.contains(&f.credential_id))
            && (self.chains.is_empty() || self.chains.contains(&f.chain_id))
            && (self.methods.is_empty() || self.methods.contains(&f.method))
    }
}

fn moves_value(f: &Facts) -> bool {
    matches!(
        f.action,
        Action::SignTransaction | Action::SendTransaction | Action::SendRawTransaction
    )
}

fn arg_word(calldata: &[u8], i: usize) -> Option<U256> {
    calldata
        .get(4 + 32 * i..4 + 32 * (i + 1))
        .map(U256::from_be_slice)
}

fn predicate_holds(p: &ArgPredicate, calldata: &[u8]) -> bool {
    let Some(arg) = arg_word(calldata, p.index) else {
        return false;
    };
    let parse = |s: &str| -> Option<U256> {
        if s.len() == 42 && s.starts_with("0x") {
            Address::from_str(s)
                .ok()
                .map(|a| U256::from_be_slice(a.as_slice()))
        } else {
            parse_amount(s, 0).ok()
        }
    };
    match p.op.as_str() {
        "eq" => p.value.as_deref().and_then(parse) == Some(arg),
        "in" => p.values.iter().filter_map(|v| parse(v)).any(|v| v == arg),
        "lte" => p.value.as_deref().and_then(parse).is_some_and(|v| arg <= v),
        "gte" => p.value.as_deref().and_then(parse).is_some_and(|v| arg >= v),
        _ => false,
    }
}

fn in_window(
    now: i64,
    tz: &jiff::tz::TimeZone,
    days: &BTreeSet<i8>,
    from: (i8, i8),
    to: (i8, i8),
) -> Option<bool> {
    let zoned = tz.to_datetime(jiff::Timestamp::from_second(now).ok()?);
    if !days.is_empty() && !days.contains(&zoned.weekday().to_monday_one_offset()) {
        return Some(false);
    }
    let minutes = i32::from(zoned.hour()) * 60 + i32::from(zoned.minute());
    let (a, b) = (
        i32::from(from.0) * 60 + i32::from(from.1),
        i32::from(to.0) * 60 + i32::from(to.1),
    );
    // A window like 22:00-06:00 wraps midnight.
    Some(if a <= b {
        minutes >= a && minutes < b
    } else {
        minutes >= a || minutes < b
    })
}

/// Evaluates every rule on the facts.
pub fn evaluate(rules: &[Rule], f: &Facts) -> RuleVerdict {
    let mut v = RuleVerdict::default();
    for rule in rules.iter().filter(|r| r.matches.applies(f)) {
        v.matched.push(rule.id.clone());
        let deny = |v: &mut RuleVerdict, why: String| v.denials.push((rule.id.clone(), why));
        match &rule.check {
            Check::MaxValue(max) => {
                if moves_value(f) && f.value > *max {
                    deny(
                        &mut v,
                        format!(
                            "value {} wei exceeds the per-transaction cap of {max} wei",
                            f.value
                        ),
                    );
                }
            }
            Check::TokenCap { token, max } => {
                if let Some(op) = &f.token_op {
                    if token.is_none_or(|t| t == op.token) && op.amount > *max {
                        deny(
                            &mut v,
                            format!(
                                "token amount {} of {} exceeds the cap of {max}",
                                op.amount, op.token
                            ),
                        );
                    }
                }
            }
            Check::Velocity(spec) => {
                if !moves_value(f) && spec.max_count.is_none() {
                    continue;
                }
                let amount = match spec.token {
                    Some(t) => f
                        .token_op
                        .as_ref()
                        .filter(|op| op.token == t && !op.is_approval())
                        .map(|op| op.amount)
                        .unwrap_or_default(),
                    None => f.value,
                };
                let buckets: Vec<String> = match spec.per {
                    VelocityScope::Key => vec![format!("key:{}", f.key_id)],
                    VelocityScope::Credential => vec![format!("credential:{}", f.credential_id)],
                    VelocityScope::Destination => f
                        .destinations()
                        .last()
                        .map(|d| vec![format!("dest:{d}")])
                        .unwrap_or_default(),
                };
                for bucket in buckets {
                    v.velocity.push(VelocityCharge {
                        spec: spec.clone(),
                        bucket,
                        amount,
                    });
                }
            }
            Check::Deny(set) => {
                for d in f.destinations() {
                    if set.contains(&d) {
                        deny(&mut v, format!("destination {d} is on a deny list"));
                    }
                }
            }
            Check::Allow(set) => {
                if moves_value(f) || f.token_op.is_some() {
                    for d in f.destinations() {
                        if !set.contains(&d) {
                            deny(&mut v, format!("destination {d} is not on the allow list"));
                        }
                    }
                }
            }
            Check::Contracts(list) => {
                if moves_value(f) && !f.calldata.is_empty() {
                    let ok = f.to.is_some_and(|to| {
                        list.iter().any(|c| {
                            c.address == to
                                && (c.selectors.is_empty()
                                    || f.selector.is_some_and(|s| c.selectors.contains(&s)))
                                && c.args.iter().all(|p| predicate_holds(p, &f.calldata))
                        })
                    });
                    if !ok {
                        let sel = f.selector.map(hex::encode).unwrap_or_default();
                        let to =
                            f.to.map(|t| t.to_string())
                                .unwrap_or_else(|| "contract creation".into());
                        deny(&mut v, format!("call to {to} (selector 0x{sel}) is not on the contract allowlist or fails its argument checks"));
                    }
                }
            }
            Check::Unlimited { deny: d } => {
                if let Some(op) = f.token_op.as_ref().filter(|op| op.is_unlimited()) {
                    let why = format!(
                        "unlimited approval of {} to spender {}",
                        op.token, op.counterparty
                    );
                    if *d {
                        deny(&mut v, why);
                    } else {
                        v.flags.push((rule.id.clone(), why));
                    }
                }
            }
            Check::ChainPin(chains) => {
                if !chains.contains(&f.chain_id) {
                    deny(
                        &mut v,
                        format!("chain {} is not allowed (allowed: {chains:?})", f.chain_id),
                    );
                }
            }
            Check::FeeCap {
                max_fee,
                max_priority,
            } => {
                if let (Some(cap), Some(fee)) = (max_fee, f.max_fee_per_gas) {
                    if fee > *cap {
                        deny(
                            &mut v,
                            format!("max fee per gas {fee} wei exceeds the cap of {cap} wei"),
                        );
                    }
                }
                if let (Some(cap), Some(fee)) = (max_priority, f.max_priority_fee_per_gas) {
                    if fee > *cap {
                        deny(
                            &mut v,
                            format!("priority fee {fee} wei exceeds the cap of {cap} wei"),
                        );
                    }
                }
            }
            Check::Window { tz, days, from, to } => match in_window(f.now, tz, days, *from, *to) {
                Some(true) => {}
                Some(false) => deny(
                    &mut v,
                    format!(
                        "outside the allowed time window {:02}:{:02}-{:02}:{:02} {}",
                        from.0,
                        from.1,
                        to.0,
                        to.1,
                        tz.iana_name().unwrap_or("")
                    ),
                ),
                None => deny(&mut v, "the current time cannot be evaluated".into()),
            },
            Check::DenyTyped(types) => {
                if let Some(t) = f.typed_primary_type.as_ref().filter(|t| types.contains(*t)) {
                    deny(&mut v, format!("typed data of type `{t}` is never signed"));
                }
            }
            Check::Approval(spec) => {
                if spec.min_value.is_none_or(|min| f.value >= min) {
                    v.approvals.push(spec.clone());
                }
            }
        }
    }
    v
}
