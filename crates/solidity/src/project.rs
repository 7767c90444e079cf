//! One scan's view of a Solidity project: every file is parsed at most once (cached by its
//! canonical path, whether it is scanned itself or imported by others), and imports are
//! resolved so that a file's model sees the contracts, modifiers and state variables of the
//! bases it inherits from other files.
//!
//! Resolution, in order: a relative import (`./A.sol`, `../x/A.sol`) against the importing
//! file's directory; any other path under `node_modules/` of the importing file's directory
//! or one of its ancestors, then against those directories themselves (a base path); then a
//! file of the scanned tree whose path ends with the import path, or with the import path less
//! its leading components (`@openzeppelin/contracts/access/Ownable.sol` finds
//! `lib/openzeppelin-contracts/contracts/access/Ownable.sol`), or with `src/` or `contracts/`
//! after its first component (Foundry's `pkg/=lib/pkg/src/`). An import that resolves to
//! nothing is skipped: the analysis goes on with what is known.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use slang_solidity::cst::{NonterminalKind as NK, TerminalKind as TK};

use crate::parse::{self, ParseError, Parsed};
use crate::tree::Node;

/// Imported files larger than this are not read (the scanner's default file-size cap).
const MAX_IMPORT_BYTES: u64 = 10 * 1024 * 1024;
/// Files followed through imports from one file, at most (a guard against huge closures).
const MAX_CLOSURE: usize = 512;
/// Directory levels walked when indexing the scanned tree.
const MAX_INDEX_DEPTH: usize = 32;

/// A parsed file and the import paths it names, as written.
pub struct SourceUnit {
    pub parsed: Result<Parsed, ParseError>,
    pub imports: Vec<String>,
}

type Slot = Arc<OnceLock<Option<Arc<SourceUnit>>>>;

/// The per-scan cache and resolver. Shared by the scan's worker threads.
#[derive(Default)]
pub struct Project {
    roots: Mutex<Vec<PathBuf>>,
    cache: Mutex<HashMap<PathBuf, Slot>>,
    /// `.sol` files under the roots, canonical, sorted; built on the first import that needs it.
    index: OnceLock<Vec<PathBuf>>,
    parses: std::sync::atomic::AtomicUsize,
    /// `(directory, import)` → resolved path: files of one folder import the same bases, and
    /// each resolution costs a few `stat`/`readlink` calls.
    resolved: Mutex<HashMap<(PathBuf, String), Option<PathBuf>>>,
}

impl Project {
    pub fn new() -> Project {
        Project::default()
    }

    /// The directories (or files) being scanned: non-relative imports are also looked up
    /// among the `.sol` files below them.
    pub fn set_roots(&self, roots: &[PathBuf]) {
        if let Ok(mut r) = self.roots.lock() {
            *r = roots.to_vec();
        }
    }

    /// How many files this project has parsed so far (each at most once).
    pub fn parse_count(&self) -> usize {
        self.parses.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn slot(&self, key: &Path) -> Option<Slot> {
        let mut c = self.cache.lock().ok()?;
        Some(c.entry(key.to_path_buf()).or_default().clone())
    }

    fn parse_text(&self, path: &str, text: &str) -> Arc<SourceUnit> {
        self.parses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let parsed = parse::parse(path, text);
        let imports = match &parsed {
            Ok(p) => import_paths(&p.root),
            Err(_) => Vec::new(),
        };
        Arc::new(SourceUnit { parsed, imports })
    }

    /// The parsed unit of a file being analysed. `fs_path`: where it is on disk (the cache
    /// key; `None` parses without caching); `text`: its contents as the scanner read them.
    pub fn unit_for(&self, path: &str, fs_path: Option<&Path>, text: &str) -> Arc<SourceUnit> {
        let key = fs_path.and_then(|p| p.canonicalize().ok());
        match key.as_deref().and_then(|k| self.slot(k)) {
            Some(slot) => slot
                .get_or_init(|| Some(self.parse_text(path, text)))
                .clone()
                .unwrap_or_else(|| self.parse_text(path, text)),
            None => self.parse_text(path, text),
        }
    }

    /// The parsed unit of an imported file, read from disk (`None` if it cannot be read).
    fn unit_at(&self, key: &Path) -> Option<Arc<SourceUnit>> {
        let slot = self.slot(key)?;
        slot.get_or_init(|| {
            let meta = std::fs::metadata(key).ok()?;
            if !meta.is_file() || meta.len() > MAX_IMPORT_BYTES {
                return None;
            }
            let text = std::fs::read_to_string(key).ok()?;
            Some(self.parse_text(&key.to_string_lossy(), &text))
        })
        .clone()
    }

    /// Every file `fs_path` imports, directly or not (each once, in breadth-first order; the
    /// file itself excluded, cycles end), with the import paths that did not resolve.
    pub fn imports_of(
        &self,
        fs_path: Option<&Path>,
        unit: &SourceUnit,
    ) -> (Vec<Arc<SourceUnit>>, Vec<String>) {
        let mut out = Vec::new();
        let mut unresolved = Vec::new();
        let own = fs_path.and_then(|p| p.canonicalize().ok());
        let Some(dir) = own.as_deref().and_then(Path::parent).map(Path::to_path_buf) else {
            return (out, unit.imports.clone());
        };
        let mut seen: HashSet<PathBuf> = own.into_iter().collect();
        let mut queue: VecDeque<(PathBuf, Vec<String>)> = VecDeque::new();
        queue.push_back((dir, unit.imports.clone()));
        while let Some((dir, imports)) = queue.pop_front() {
            for imp in imports {
                let Some(key) = self.resolve(&dir, &imp) else {
                    unresolved.push(imp);
                    continue;
                };
                if out.len() >= MAX_CLOSURE || !seen.insert(key.clone()) {
                    continue;
                }
                if let Some(u) = self.unit_at(&key) {
                    if let Some(d) = key.parent() {
                        queue.push_back((d.to_path_buf(), u.imports.clone()));
                    }
                    out.push(u);
                }
            }
        }
        (out, unresolved)
    }

    /// The canonical path an import names, seen from directory `dir` (cached per scan).
    pub fn resolve(&self, dir: &Path, import: &str) -> Option<PathBuf> {
        let key = (dir.to_path_buf(), import.to_string());
        if let Some(hit) = self.resolved.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let found = self.resolve_uncached(dir, import);
        if let Ok(mut m) = self.resolved.lock() {
            m.insert(key, found.clone());
        }
        found
    }

    fn resolve_uncached(&self, dir: &Path, import: &str) -> Option<PathBuf> {
        let rel = Path::new(import);
        if import.starts_with("./") || import.starts_with("../") {
            return existing(&dir.join(rel));
        }
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
            return None;
        }
        for anc in dir.ancestors() {
            if let Some(p) = existing(&anc.join("node_modules").join(rel)) {
                return Some(p);
            }
            if let Some(p) = existing(&anc.join(rel)) {
                return Some(p);
            }
        }
        self.by_suffix(import)
    }

    /// A file of the scanned tree whose path ends with the import path or, dropping leading
    /// components one at a time, with its last two or more components.
    fn by_suffix(&self, import: &str) -> Option<PathBuf> {
        let index = self.index.get_or_init(|| {
            let roots = self.roots.lock().map(|r| r.clone()).unwrap_or_default();
            let mut files = Vec::new();
            for r in roots {
                index_dir(&r, 0, &mut files);
            }
            files.sort();
            files.dedup();
            files
        });
        let parts: Vec<&str> = import.split('/').filter(|p| !p.is_empty()).collect();
        let min = parts.len().min(2);
        for skip in 0..=parts.len().saturating_sub(min) {
            let suffix: PathBuf = parts[skip..].iter().collect();
            if let Some(p) = index.iter().find(|f| f.ends_with(&suffix)) {
                return Some(p.clone());
            }
        }
        // Foundry-style `pkg/X.sol` remapped to `lib/pkg/src/X.sol` (or `contracts/`)
        if let Some((first, rest)) = parts.split_first() {
            for mid in ["src", "contracts"] {
                let suffix: PathBuf = std::iter::once(*first)
                    .chain(std::iter::once(mid))
                    .chain(rest.iter().copied())
                    .collect();
                if let Some(p) = index.iter().find(|f| f.ends_with(&suffix)) {
                    return Some(p.clone());
                }
            }
        }
        None
    }
}

fn existing(p: &Path) -> Option<PathBuf> {
    p.is_file().then(|| p.canonicalize().ok()).flatten()
}

fn index_dir(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_INDEX_DEPTH {
        return;
    }
    if dir.is_file() {
        if dir.extension().is_some_and(|e| e == "sol") {
            out.extend(dir.canonicalize().ok());
        }
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        let p = e.path();
        if t.is_dir() {
            if e.file_name() != ".git" {
                index_dir(&p, depth + 1, out);
            }
        } else if t.is_file() && p.extension().is_some_and(|x| x == "sol") {
            out.extend(p.canonicalize().ok());
        }
    }
}

/// The paths named by a file's `import` directives, as written (quotes removed).
pub fn import_paths(root: &Node) -> Vec<String> {
    let mut out = Vec::new();
    root.walk(&mut |n| {
        if n.is(NK::ImportDirective) {
            n.walk(&mut |t| {
                if t.is_token(TK::DoubleQuotedStringLiteral)
                    || t.is_token(TK::SingleQuotedStringLiteral)
                {
                    let s = t.text.trim_matches(|c| c == '"' || c == '\'');
                    out.push(s.to_string());
                    return false;
                }
                true
            });
            return false;
        }
        // imports are top-level
        !(n.is(NK::ContractDefinition)
            || n.is(NK::InterfaceDefinition)
            || n.is(NK::LibraryDefinition)
            || n.is(NK::FunctionDefinition))
    });
    out
}
