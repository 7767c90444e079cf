//! Authorization of signing requests; mints [`PolicyApproved`].
//!
//! Today's policy is the credential's scope: which keys it may use and which method groups it
//! may call. Deny by default: a key not named, a group not granted, an unknown method — all
//! deny with a reason. Cedar policies and transaction rules plug in here, behind the same
//! `authorize` call, so the signing path does not change when they arrive.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Groups of JSON-RPC methods a credential can be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodGroup {
    /// Read-only methods forwarded to the upstream node, `eth_accounts`, `eth_chainId`.
    Read,
    /// Signing without sending: messages, typed data, transactions.
    Sign,
    /// `eth_sendTransaction`, `eth_sendRawTransaction`.
    Send,
}

impl MethodGroup {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "sign" => Some(Self::Sign),
            "send" => Some(Self::Send),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Sign => "sign",
            Self::Send => "send",
        }
    }
}

/// Which keys a credential may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    All,
    Only(BTreeSet<String>),
}

impl KeyScope {
    pub fn allows(&self, key_id: &str) -> bool {
        match self {
            KeyScope::All => true,
            KeyScope::Only(ids) => ids.contains(key_id),
        }
    }
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub credential_id: String,
    pub name: String,
    pub keys: KeyScope,
    pub groups: BTreeSet<MethodGroup>,
    pub admin: bool,
}

/// A request to use a key, described for policy.
#[derive(Clone, Debug)]
pub struct SigningIntent<'a> {
    pub method: &'a str,
    pub group: MethodGroup,
    pub key_id: &'a str,
    /// The exact digest that will be signed.
    pub digest: [u8; 32],
    pub chain_id: Option<u64>,
}

/// Proof that policy allowed signing `digest` with `key_id`. Only this crate can create one.
#[derive(Debug)]
pub struct PolicyApproved {
    key_id: String,
    digest: [u8; 32],
    reasons: Vec<String>,
}

impl PolicyApproved {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
    pub fn reasons(&self) -> &[String] {
        &self.reasons
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("credential `{credential}` may not use key `{key}`")]
    KeyOutOfScope { credential: String, key: String },
    #[error(
        "credential `{credential}` is not granted the `{group}` method group needed for `{method}`"
    )]
    GroupNotGranted {
        credential: String,
        group: &'static str,
        method: String,
    },
}

/// Checks that `principal` may call a method of `group` at all (before any key is involved).
pub fn authorize_method(
    principal: &Principal,
    method: &str,
    group: MethodGroup,
) -> Result<(), Denied> {
    if principal.groups.contains(&group) {
        Ok(())
    } else {
        Err(Denied::GroupNotGranted {
            credential: principal.credential_id.clone(),
            group: group.as_str(),
            method: method.to_string(),
        })
    }
}

/// Checks that `principal` may use `key_id` at all (e.g. to list it in `eth_accounts`).
pub fn may_use_key(principal: &Principal, key_id: &str) -> bool {
    principal.keys.allows(key_id)
}

/// Decides a signing request. Deny by default; every allow carries its reasons for the audit log.
pub fn authorize(
    principal: &Principal,
    intent: &SigningIntent<'_>,
) -> Result<PolicyApproved, Denied> {
    authorize_method(principal, intent.method, intent.group)?;
    if !principal.keys.allows(intent.key_id) {
        return Err(Denied::KeyOutOfScope {
            credential: principal.credential_id.clone(),
            key: intent.key_id.to_string(),
        });
    }
    Ok(PolicyApproved {
        key_id: intent.key_id.to_string(),
        digest: intent.digest,
        reasons: vec![
            format!(
                "credential `{}` holds group `{}`",
                principal.credential_id,
                intent.group.as_str()
            ),
            format!("key `{}` is in the credential's scope", intent.key_id),
        ],
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn principal(keys: KeyScope, groups: &[MethodGroup]) -> Principal {
        Principal {
            credential_id: "cred_1".into(),
            name: "bot".into(),
            keys,
            groups: groups.iter().copied().collect(),
            admin: false,
        }
    }

    fn intent(key: &str, group: MethodGroup) -> SigningIntent<'_> {
        SigningIntent {
            method: "eth_signTransaction",
            group,
            key_id: key,
            digest: [7; 32],
            chain_id: Some(1),
        }
    }

    #[test]
    fn allowed_when_key_and_group_granted() {
        let p = principal(
            KeyScope::Only(["key_a".to_string()].into()),
            &[MethodGroup::Sign],
        );
        let ok = authorize(&p, &intent("key_a", MethodGroup::Sign)).unwrap();
        assert_eq!(ok.key_id(), "key_a");
        assert_eq!(ok.digest(), &[7; 32]);
        assert!(!ok.reasons().is_empty());
    }

    #[test]
    fn denied_by_default() {
        let p = principal(
            KeyScope::Only(["key_a".to_string()].into()),
            &[MethodGroup::Sign],
        );
        assert!(matches!(
            authorize(&p, &intent("key_b", MethodGroup::Sign)),
            Err(Denied::KeyOutOfScope { .. })
        ));
        assert!(matches!(
            authorize(&p, &intent("key_a", MethodGroup::Send)),
            Err(Denied::GroupNotGranted { .. })
        ));
        let nobody = principal(KeyScope::Only(BTreeSet::new()), &[]);
        assert!(authorize(&nobody, &intent("key_a", MethodGroup::Sign)).is_err());
    }
}
