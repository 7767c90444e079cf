//! The data keys by term, and how they are stored under the root key.

use std::collections::BTreeMap;

use palisade_crypto::{aead, Key32};
use zeroize::Zeroizing;

use crate::BarrierError;

const KEYRING_AAD: &[u8] = b"palisade/core/keyring/v1";
const MAX_TERMS: usize = 1 << 16;

pub(crate) struct Keyring {
    root: Key32,
    terms: BTreeMap<u32, Key32>,
    active: u32,
}

impl Keyring {
    pub(crate) fn fresh(root: Key32) -> Self {
        let mut terms = BTreeMap::new();
        terms.insert(1, Key32::random());
        Self {
            root,
            terms,
            active: 1,
        }
    }

    pub(crate) fn active(&self) -> (u32, &Key32) {
        // INVARIANT: `active` is always a key of `terms` (set only by `fresh`, `with_new_term`
        // and `decrypt`, which checks it).
        match self.terms.get(&self.active) {
            Some(k) => (self.active, k),
            None => (self.active, &self.root),
        }
    }

    pub(crate) fn term(&self, term: u32) -> Option<&Key32> {
        self.terms.get(&term)
    }

    pub(crate) fn with_new_term(&self) -> Self {
        let next = self.terms.keys().next_back().copied().unwrap_or(0) + 1;
        let mut terms = self.terms.clone();
        terms.insert(next, Key32::random());
        Self {
            root: self.root.clone(),
            terms,
            active: next,
        }
    }

    /// `active (4) ‖ count (4) ‖ (term (4) ‖ key (32))*`, sealed under the root key.
    pub(crate) fn encrypt(&self) -> Result<Vec<u8>, BarrierError> {
        let mut plain = Zeroizing::new(Vec::with_capacity(8 + self.terms.len() * 36));
        plain.extend_from_slice(&self.active.to_be_bytes());
        plain.extend_from_slice(&(self.terms.len() as u32).to_be_bytes());
        for (term, key) in &self.terms {
            plain.extend_from_slice(&term.to_be_bytes());
            plain.extend_from_slice(key.expose_secret());
        }
        Ok(aead::seal(&self.root, KEYRING_AAD, &plain))
    }

    pub(crate) fn decrypt(root: Key32, raw: &[u8]) -> Result<Self, BarrierError> {
        let plain =
            Zeroizing::new(aead::open(&root, KEYRING_AAD, raw).map_err(|_| {
                BarrierError::CorruptSeal("the keyring failed authentication".into())
            })?);
        let bad = || BarrierError::CorruptSeal("the keyring is malformed".into());
        let word = |at: usize| -> Result<u32, BarrierError> {
            let b: [u8; 4] = plain
                .get(at..at + 4)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?;
            Ok(u32::from_be_bytes(b))
        };
        let active = word(0)?;
        let count = word(4)? as usize;
        if count == 0 || count > MAX_TERMS || plain.len() != 8 + count * 36 {
            return Err(bad());
        }
        let mut terms = BTreeMap::new();
        for i in 0..count {
            let at = 8 + i * 36;
            let key =
                Key32::from_slice(plain.get(at + 4..at + 36).ok_or_else(bad)?).ok_or_else(bad)?;
            terms.insert(word(at)?, key);
        }
        if !terms.contains_key(&active) {
            return Err(bad());
        }
        Ok(Self {
            root,
            terms,
            active,
        })
    }
}
