//! Who may do what: Cedar policies validated against Palisade's schema.
//!
//! The credential's key scope and method groups are checked first, in Rust, and cannot be
//! widened by a policy; Cedar then decides within them. Cedar is deny by default: with no
//! `permit` that applies, the answer is deny, and an evaluation error is a deny too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Policy, PolicyId, PolicySet, PrincipalConstraint, Request, ResourceConstraint,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use parking_lot::{Mutex, RwLock};

use crate::facts::Facts;
use crate::{PolicyError, Principal};

/// Palisade's Cedar schema: the vocabulary policies are written in.
pub const SCHEMA: &str = r#"
namespace Palisade {
  entity Group;
  entity User in [Group];
  entity Credential in [User, Group] = { "name": String, "admin": Bool };
  entity Key = { "key_type": String, "address": String } tags String;
  entity System;

  type SignContext = {
    "method": String,
    "chain_id": Long,
    "source_ip": ipaddr,
    "hour_utc": Long,
    "to": String,
    "selector": String,
    "value_gwei": Long,
    "token": String,
    "token_counterparty": String,
    "primary_type": String,
  };
  type AdminContext = { "source_ip": ipaddr, "hour_utc": Long };

  action sign;
  action "sign_transaction", "send_transaction", "send_raw_transaction", "sign_message", "sign_typed_data" in [sign]
    appliesTo { principal: [Credential], resource: [Key], context: SignContext };

  action admin;
  action "key.create", "key.import", "key.list", "key.show", "key.freeze", "key.unfreeze", "key.destroy",
         "key.backup", "key.restore", "credential.create", "credential.list", "credential.revoke",
         "policy.read", "policy.change", "sys.seal", "sys.rotate", "sys.rewrap", "audit.read",
         "approval.read", "approval.decide" in [admin]
    appliesTo { principal: [Credential], resource: [System, Key], context: AdminContext };
}
"#;

/// The policy a fresh instance runs with: signing within each credential's scope, and the
/// admin API for admin credentials only. Replace it with `palisade policy set`.
pub const DEFAULT_POLICIES: &str = r#"
@id("sign-within-credential-scope")
permit (principal, action in Palisade::Action::"sign", resource);

@id("admin-credentials-administer")
permit (principal, action in Palisade::Action::"admin", resource)
when { principal.admin };
"#;

/// The members of the `sign` action group (everything else is in `admin`); must match
/// [`SCHEMA`].
const SIGN_ACTIONS: &[&str] = &[
    "sign_transaction",
    "send_transaction",
    "send_raw_transaction",
    "sign_message",
    "sign_typed_data",
];

/// A Cedar decision with its reasons (policy ids, or errors), kept for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CedarDecision {
    pub allowed: bool,
    pub reasons: Vec<String>,
}

/// The policies that can apply to a kind of request, and whether any of them reads `context`.
struct Slice {
    set: PolicySet,
    /// Building the request context costs about as much as the decision itself; a set whose
    /// policies never mention `context` cannot tell one context from another, so it gets an
    /// empty one.
    reads_context: bool,
}

/// Whether `policy` may read the request context. Conservative: the word anywhere in the
/// policy's text (a string literal or an annotation included) counts, so a policy that reads
/// the context is never missed.
fn reads_context(policy: &Policy) -> bool {
    policy.to_string().contains("context")
}

pub struct CedarEngine {
    policies: PolicySet,
    authorizer: Authorizer,
    /// Each policy with the resource tags its condition requires first (see [`required_tags`]),
    /// to pick the ones that can apply to a request.
    scoped: Vec<(Policy, Vec<(String, String)>)>,
    /// Every tag key some policy is indexed on (their values are part of the slice key).
    indexed_tags: Vec<String>,
    /// `@id` annotations by policy id (Cedar parses the annotation key on every lookup).
    ids: HashMap<PolicyId, String>,
    /// Whether any policy's scope names a principal / resource (else those do not narrow the
    /// slice, and the cache key leaves them out).
    scope_names_principal: bool,
    scope_names_resource: bool,
    /// Per (action, principal, resource) the policies whose scope can match. Cedar builds and
    /// evaluates every policy's whole condition per request; a policy whose scope cannot match
    /// is `false` whatever its body says, so leaving it out changes neither the decision nor
    /// the reasons, and saves most of the cost of large policy sets.
    slices: Mutex<HashMap<SliceKey, Arc<Slice>>>,
    /// Off only in tests, which compare sliced decisions with whole-set ones.
    slicing: bool,
    /// Decisions Cedar actually evaluated (tests check that context-free ones are reused).
    #[cfg(test)]
    pub(crate) evaluations: std::sync::atomic::AtomicUsize,
    /// The request's entities (principal, resource, action, action group) with their
    /// transitive closure, per exact description of each: building them was a third of a
    /// decision, and they change only when a credential or key does (which changes the key).
    entities: Mutex<HashMap<EntitiesKey, Arc<RequestEntities>>>,
}

/// Everything the request's entities are built from; equal keys give equal entities.
#[derive(Clone, PartialEq, Eq, Hash)]
struct EntitiesKey {
    credential_id: String,
    name: String,
    admin: bool,
    cedar_groups: Vec<String>,
    owner: Option<String>,
    action: String,
    resource: ResourceDesc,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum ResourceDesc {
    System,
    Key {
        id: String,
        address: Option<palisade_chain::Address>,
        labels: BTreeMap<String, String>,
    },
}

struct RequestEntities {
    principal: EntityUid,
    principal_parents: HashSet<EntityUid>,
    action: EntityUid,
    action_group: EntityUid,
    resource: EntityUid,
    entities: Entities,
    /// The decision for these entities under a slice that never reads `context`, with the
    /// slice it was made under. Such a decision is a pure function of the slice and the
    /// entities (Cedar has no clock or randomness), so it is made once, not per request.
    decided: RwLock<Option<(Arc<Slice>, CedarDecision)>>,
}

/// Bound on cached entity sets; the cache starts over when full.
const MAX_ENTITY_SETS: usize = 4096;

/// Bound on cached slices (credentials × actions × keys); the cache starts over when full.
const MAX_SLICES: usize = 4096;

#[derive(Clone, PartialEq, Eq, Hash)]
struct SliceKey {
    action: String,
    /// The principal and its parents, when some policy scope names a principal.
    principal: Option<(EntityUid, Vec<EntityUid>)>,
    /// The resource, when some policy scope names a resource.
    resource: Option<EntityUid>,
    /// The resource's values of the indexed tags.
    tags: Vec<Option<String>>,
}

/// The `resource.getTag(K) == "V"` tests a policy's first `when` clause starts with (after
/// any `resource.hasTag(K)` guards): unless the resource carries all these tags with these
/// values, Cedar evaluates the policy to `false` at that point, before anything else in its
/// body could run (or fail), so it can be left out exactly like a policy whose scope does not
/// match. Anything not in that leading run is left to Cedar.
pub(crate) fn required_tags(policy: &Policy) -> Vec<(String, String)> {
    fn conjuncts<'v>(e: &'v serde_json::Value, out: &mut Vec<&'v serde_json::Value>) {
        match e.get("&&") {
            Some(and) => {
                conjuncts(&and["left"], out);
                conjuncts(&and["right"], out);
            }
            None => out.push(e),
        }
    }
    fn resource_tag(e: &serde_json::Value, op: &str) -> Option<String> {
        let call = e.get(op)?;
        (call["left"].get("Var")?.as_str()? == "resource")
            .then(|| call["right"].get("Value")?.as_str().map(str::to_string))?
    }
    fn string_literal(e: &serde_json::Value) -> Option<String> {
        e.get("Value")?.as_str().map(str::to_string)
    }
    let Ok(json) = policy.to_json() else {
        return Vec::new();
    };
    let Some(first) = json["conditions"].as_array().and_then(|c| c.first()) else {
        return Vec::new();
    };
    if first["kind"] != "when" {
        return Vec::new();
    }
    let mut parts = Vec::new();
    conjuncts(&first["body"], &mut parts);
    let mut required = Vec::new();
    for part in parts {
        if resource_tag(part, "hasTag").is_some() {
            continue;
        }
        let Some(eq) = part.get("==") else { break };
        let (l, r) = (&eq["left"], &eq["right"]);
        let pair = |tag: &serde_json::Value, lit: &serde_json::Value| {
            Some((resource_tag(tag, "getTag")?, string_literal(lit)?))
        };
        match pair(l, r).or_else(|| pair(r, l)) {
            Some(kv) => required.push(kv),
            None => break,
        }
    }
    required
}

/// The request's scope, as Cedar sees it: the entities and their (direct, and only) parents.
struct Scope<'a> {
    principal: &'a EntityUid,
    principal_parents: &'a HashSet<EntityUid>,
    action: &'a EntityUid,
    action_group: &'a EntityUid,
    resource: &'a EntityUid,
    resource_tags: Option<&'a BTreeMap<String, String>>,
}

impl Scope<'_> {
    /// Can `policy`'s scope hold for this request? `false` only when it certainly cannot.
    fn admits(&self, policy: &Policy, required_tags: &[(String, String)]) -> bool {
        let tags = required_tags.iter().all(|(k, v)| {
            self.resource_tags
                .and_then(|t| t.get(k))
                .is_some_and(|have| have == v)
        });
        if !tags {
            return false;
        }
        let principal = match policy.principal_constraint() {
            PrincipalConstraint::Any => true,
            PrincipalConstraint::Eq(u) => &u == self.principal,
            PrincipalConstraint::In(u) => {
                &u == self.principal || self.principal_parents.contains(&u)
            }
            PrincipalConstraint::Is(t) => &t == self.principal.type_name(),
            PrincipalConstraint::IsIn(t, u) => {
                &t == self.principal.type_name()
                    && (&u == self.principal || self.principal_parents.contains(&u))
            }
        };
        let action = match policy.action_constraint() {
            ActionConstraint::Any => true,
            ActionConstraint::Eq(u) => &u == self.action,
            ActionConstraint::In(us) => us
                .iter()
                .any(|u| u == self.action || u == self.action_group),
        };
        // The resources Palisade sends (keys, the system) have no parents.
        let resource = match policy.resource_constraint() {
            ResourceConstraint::Any => true,
            ResourceConstraint::Eq(u) | ResourceConstraint::In(u) => &u == self.resource,
            ResourceConstraint::Is(t) => &t == self.resource.type_name(),
            ResourceConstraint::IsIn(t, u) => {
                &t == self.resource.type_name() && &u == self.resource
            }
        };
        principal && action && resource
    }
}

/// The schema's entity types, parsed once: Cedar parses a type name with its full grammar,
/// which would otherwise cost more per request than evaluating a policy.
static TYPE_NAMES: LazyLock<HashMap<&'static str, EntityTypeName>> = LazyLock::new(|| {
    [
        "Palisade::Credential",
        "Palisade::Group",
        "Palisade::User",
        "Palisade::Key",
        "Palisade::System",
        "Palisade::Action",
    ]
    .into_iter()
    .filter_map(|t| Some((t, EntityTypeName::from_str(t).ok()?)))
    .collect()
});

fn type_name(s: &str) -> Result<EntityTypeName, PolicyError> {
    if let Some(t) = TYPE_NAMES.get(s) {
        return Ok(t.clone());
    }
    EntityTypeName::from_str(s)
        .map_err(|e| PolicyError::Internal(format!("entity type `{s}`: {e}")))
}

fn uid(ty: &str, id: &str) -> Result<EntityUid, PolicyError> {
    Ok(EntityUid::from_type_name_and_id(
        type_name(ty)?,
        EntityId::new(id),
    ))
}

fn action_uid(name: &str) -> Result<EntityUid, PolicyError> {
    uid("Palisade::Action", name)
}

fn long(v: i64) -> RestrictedExpression {
    RestrictedExpression::new_long(v)
}

fn string(s: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(s.into())
}

/// Source addresses as Cedar `ipaddr` values, cached (building one parses the extension
/// function's name); bounded, and started over when full.
static IPS: LazyLock<Mutex<HashMap<Option<IpAddr>, RestrictedExpression>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
const MAX_CACHED_IPS: usize = 4096;

fn ip(source: Option<IpAddr>) -> RestrictedExpression {
    if let Some(e) = IPS.lock().get(&source) {
        return e.clone();
    }
    // An unknown source (e.g. a unix socket) is 0.0.0.0, which no allowlist matches.
    let e = RestrictedExpression::new_ip(
        source
            .map(|i| i.to_string())
            .unwrap_or_else(|| "0.0.0.0".into()),
    );
    let mut ips = IPS.lock();
    if ips.len() >= MAX_CACHED_IPS {
        ips.clear();
    }
    ips.insert(source, e.clone());
    e
}

impl CedarEngine {
    /// Parses `policies` and validates them strictly against [`SCHEMA`]; any error rejects the
    /// whole set.
    pub fn new(policies: &str) -> Result<Self, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(SCHEMA)
            .map_err(|e| PolicyError::Internal(format!("built-in schema: {e}")))?;
        let policies = PolicySet::from_str(policies)
            .map_err(|e| PolicyError::Invalid(format!("cedar: {e}")))?;
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result.validation_errors().map(|e| e.to_string()).collect();
            return Err(PolicyError::Invalid(format!(
                "cedar policies do not validate against the schema: {}",
                errors.join("; ")
            )));
        }
        let scoped: Vec<(Policy, Vec<(String, String)>)> = policies
            .policies()
            .map(|p| (p.clone(), required_tags(p)))
            .collect();
        let mut indexed_tags: Vec<String> = scoped
            .iter()
            .flat_map(|(_, tags)| tags.iter().map(|(k, _)| k.clone()))
            .collect();
        indexed_tags.sort_unstable();
        indexed_tags.dedup();
        let ids = policies
            .policies()
            .filter_map(|p| Some((p.id().clone(), p.annotation("id")?.to_string())))
            .collect();
        let scope_names_principal = scoped
            .iter()
            .any(|(p, _)| !matches!(p.principal_constraint(), PrincipalConstraint::Any));
        let scope_names_resource = scoped
            .iter()
            .any(|(p, _)| !matches!(p.resource_constraint(), ResourceConstraint::Any));
        Ok(Self {
            policies,
            authorizer: Authorizer::new(),
            scoped,
            indexed_tags,
            ids,
            scope_names_principal,
            scope_names_resource,
            slices: Mutex::new(HashMap::new()),
            slicing: true,
            #[cfg(test)]
            evaluations: std::sync::atomic::AtomicUsize::new(0),
            entities: Mutex::new(HashMap::new()),
        })
    }

    /// The same engine evaluating every policy on every request (the reference the slicing
    /// is tested against).
    #[cfg(test)]
    pub(crate) fn without_slicing(mut self) -> Self {
        self.slicing = false;
        self
    }

    /// The policies that can apply to this request (cached per scope).
    fn slice(&self, scope: &Scope<'_>) -> Result<Arc<Slice>, PolicyError> {
        if !self.slicing {
            return Ok(Arc::new(Slice {
                set: self.policies.clone(),
                reads_context: true,
            }));
        }
        let key = SliceKey {
            action: scope.action.id().unescaped().to_string(),
            principal: self.scope_names_principal.then(|| {
                let mut parents: Vec<EntityUid> = scope.principal_parents.iter().cloned().collect();
                parents.sort_by_key(|u| u.to_string());
                (scope.principal.clone(), parents)
            }),
            resource: self.scope_names_resource.then(|| scope.resource.clone()),
            tags: self
                .indexed_tags
                .iter()
                .map(|k| scope.resource_tags.and_then(|t| t.get(k)).cloned())
                .collect(),
        };
        if let Some(set) = self.slices.lock().get(&key) {
            return Ok(set.clone());
        }
        let mut set = PolicySet::new();
        let mut context = false;
        for (p, _) in self.scoped.iter().filter(|(p, t)| scope.admits(p, t)) {
            context |= reads_context(p);
            set.add(p.clone())
                .map_err(|e| PolicyError::Internal(format!("policy slice: {e}")))?;
        }
        let set = Arc::new(Slice {
            set,
            reads_context: context,
        });
        let mut slices = self.slices.lock();
        if slices.len() >= MAX_SLICES {
            slices.clear();
        }
        slices.insert(key, set.clone());
        Ok(set)
    }

    fn principal_entity(
        &self,
        p: &Principal,
    ) -> Result<(EntityUid, HashSet<EntityUid>, Entity), PolicyError> {
        let id = uid("Palisade::Credential", &p.credential_id)?;
        let mut parents: HashSet<EntityUid> = HashSet::new();
        for g in &p.cedar_groups {
            parents.insert(uid("Palisade::Group", g)?);
        }
        if let Some(owner) = &p.owner {
            parents.insert(uid("Palisade::User", owner)?);
        }
        let attrs = [
            ("name".to_string(), string(&p.name)),
            ("admin".to_string(), RestrictedExpression::new_bool(p.admin)),
        ];
        let e = Entity::new(
            id.clone(),
            attrs.into_iter().collect::<HashMap<_, _>>(),
            parents.clone(),
        )
        .map_err(|e| PolicyError::Internal(e.to_string()))?;
        Ok((id, parents, e))
    }

    fn resource_entity(desc: &ResourceDesc) -> Result<(EntityUid, Entity), PolicyError> {
        match desc {
            ResourceDesc::System => {
                let id = uid("Palisade::System", "palisade")?;
                Ok((id.clone(), Entity::new_no_attrs(id, HashSet::new())))
            }
            ResourceDesc::Key {
                id,
                address,
                labels,
            } => {
                let uid = uid("Palisade::Key", id)?;
                let attrs = [
                    ("key_type".to_string(), string("secp256k1")),
                    (
                        "address".to_string(),
                        string(address.map(|a| a.to_string()).unwrap_or_default()),
                    ),
                ];
                let tags: Vec<(String, RestrictedExpression)> =
                    labels.iter().map(|(k, v)| (k.clone(), string(v))).collect();
                let e = Entity::new_with_tags(uid.clone(), attrs, [], tags)
                    .map_err(|e| PolicyError::Internal(e.to_string()))?;
                Ok((uid, e))
            }
        }
    }

    /// The request's entities, built once per distinct description.
    fn request_entities(
        &self,
        principal: &Principal,
        action: &str,
        resource: ResourceDesc,
    ) -> Result<Arc<RequestEntities>, PolicyError> {
        let key = EntitiesKey {
            credential_id: principal.credential_id.clone(),
            name: principal.name.clone(),
            admin: principal.admin,
            cedar_groups: principal.cedar_groups.clone(),
            owner: principal.owner.clone(),
            action: action.to_string(),
            resource,
        };
        if let Some(e) = self.entities.lock().get(&key) {
            return Ok(e.clone());
        }
        let (pid, parents, pe) = self.principal_entity(principal)?;
        let (rid, re) = Self::resource_entity(&key.resource)?;
        let aid = action_uid(action)?;
        let group = action_uid(if SIGN_ACTIONS.contains(&action) {
            "sign"
        } else {
            "admin"
        })?;
        let ae = Entity::new_no_attrs(aid.clone(), HashSet::from([group.clone()]));
        let ge = Entity::new_no_attrs(group.clone(), HashSet::new());
        let entities = Entities::from_entities([pe, re, ae, ge], None)
            .map_err(|e| PolicyError::Internal(format!("entities: {e}")))?;
        let built = Arc::new(RequestEntities {
            principal: pid,
            principal_parents: parents,
            action: aid,
            action_group: group,
            resource: rid,
            entities,
            decided: RwLock::new(None),
        });
        let mut cache = self.entities.lock();
        if cache.len() >= MAX_ENTITY_SETS {
            cache.clear();
        }
        cache.insert(key, built.clone());
        Ok(built)
    }

    fn decide(
        &self,
        principal: &Principal,
        action: &str,
        resource: ResourceDesc,
        resource_tags: Option<&BTreeMap<String, String>>,
        context: impl FnOnce() -> Vec<(String, RestrictedExpression)>,
    ) -> CedarDecision {
        let run = || -> Result<CedarDecision, PolicyError> {
            // Policies were validated strictly against the schema at load, and the entities and
            // context are built here with the schema's types; re-validating them per request
            // would cost more than the decision itself.
            let e = self.request_entities(principal, action, resource)?;
            let policies = self.slice(&Scope {
                principal: &e.principal,
                principal_parents: &e.principal_parents,
                action: &e.action,
                action_group: &e.action_group,
                resource: &e.resource,
                resource_tags,
            })?;
            if !policies.reads_context {
                if let Some((slice, decision)) = &*e.decided.read() {
                    if Arc::ptr_eq(slice, &policies) {
                        return Ok(decision.clone());
                    }
                }
            }
            let context = if policies.reads_context {
                Context::from_pairs(context())
                    .map_err(|e| PolicyError::Internal(format!("context: {e}")))?
            } else {
                Context::empty()
            };
            let request = Request::new(
                e.principal.clone(),
                e.action.clone(),
                e.resource.clone(),
                context,
                None,
            )
            .map_err(|e| PolicyError::Internal(format!("request: {e}")))?;
            #[cfg(test)]
            self.evaluations
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let response = self
                .authorizer
                .is_authorized(&request, &policies.set, &e.entities);
            let mut reasons: Vec<String> = response
                .diagnostics()
                .reason()
                .map(|id| match self.ids.get(id) {
                    Some(s) => format!("cedar policy `{s}`"),
                    None => format!("cedar policy `{id}`"),
                })
                .collect();
            // Cedar reports reasons as a set; sort them so the audit log is deterministic.
            reasons.sort_unstable();
            let mut errors: Vec<String> = response
                .diagnostics()
                .errors()
                .map(|e| format!("cedar error: {e}"))
                .collect();
            errors.sort_unstable();
            reasons.extend(errors);
            let allowed = response.decision() == Decision::Allow;
            if !allowed && reasons.is_empty() {
                reasons.push(format!(
                    "no cedar policy permits `{action}` for credential `{}`",
                    principal.credential_id
                ));
            }
            let decision = CedarDecision { allowed, reasons };
            if !policies.reads_context {
                *e.decided.write() = Some((policies.clone(), decision.clone()));
            }
            Ok(decision)
        };
        // INVARIANT: an engine error is a deny with its reason, never an allow.
        run().unwrap_or_else(|e| CedarDecision {
            allowed: false,
            reasons: vec![e.to_string()],
        })
    }

    /// Decides a signing request.
    pub fn decide_sign(&self, principal: &Principal, f: &Facts) -> CedarDecision {
        let resource = ResourceDesc::Key {
            id: f.key_id.clone(),
            address: f.key_address,
            labels: f.key_labels.clone(),
        };
        let context = || {
            let gwei = f.value / palisade_chain::U256::from(1_000_000_000u64);
            vec![
                ("method".into(), string(&f.method)),
                (
                    "chain_id".into(),
                    long(i64::try_from(f.chain_id).unwrap_or(i64::MAX)),
                ),
                ("source_ip".into(), ip(f.source_ip)),
                ("hour_utc".into(), long((f.now.rem_euclid(86_400)) / 3600)),
                (
                    "to".into(),
                    string(f.to.map(|a| a.to_string()).unwrap_or_default()),
                ),
                (
                    "selector".into(),
                    string(
                        f.selector
                            .map(|s| format!("0x{}", hex::encode(s)))
                            .unwrap_or_default(),
                    ),
                ),
                (
                    "value_gwei".into(),
                    long(i64::try_from(gwei).unwrap_or(i64::MAX)),
                ),
                (
                    "token".into(),
                    string(
                        f.token_op
                            .as_ref()
                            .map(|o| o.token.to_string())
                            .unwrap_or_default(),
                    ),
                ),
                (
                    "token_counterparty".into(),
                    string(
                        f.token_op
                            .as_ref()
                            .map(|o| o.counterparty.to_string())
                            .unwrap_or_default(),
                    ),
                ),
                (
                    "primary_type".into(),
                    string(f.typed_primary_type.clone().unwrap_or_default()),
                ),
            ]
        };
        self.decide(
            principal,
            f.action.cedar_name(),
            resource,
            Some(&f.key_labels),
            context,
        )
    }

    /// Decides an admin operation (`key.create`, `policy.change`, ...) on the system or a key.
    pub fn decide_admin(
        &self,
        principal: &Principal,
        action: &str,
        source_ip: Option<IpAddr>,
        now: i64,
    ) -> CedarDecision {
        let context = || {
            vec![
                ("source_ip".into(), ip(source_ip)),
                ("hour_utc".into(), long(now.rem_euclid(86_400) / 3600)),
            ]
        };
        self.decide(principal, action, ResourceDesc::System, None, context)
    }
}
