//! Finding what to scan: a parallel, `.gitignore`-aware walk of the working tree, or every blob
//! of the git history (each blob once).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::Scanner;
use crate::error::ScanError;
use crate::finding::Finding;
use crate::sink::Summary;

/// Extensions that are never text worth scanning.
const BINARY_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "tiff", "pdf", "zip", "gz", "tgz", "xz",
    "bz2", "zst", "7z", "rar", "jar", "war", "class", "so", "dylib", "dll", "exe", "bin", "o", "a",
    "rlib", "wasm", "mp3", "mp4", "mov", "avi", "woff", "woff2", "ttf", "otf", "eot", "pyc",
    "sqlite", "db", "parquet",
];

fn binary_ext(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| BINARY_EXT.contains(&e.to_ascii_lowercase().as_str()))
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[derive(Default)]
struct Shared {
    findings: Mutex<Vec<Finding>>,
    notes: Mutex<Vec<String>>,
    files: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    suppressed: AtomicU64,
}

impl Shared {
    fn add(&self, path: &str, len: u64, r: crate::engine::FileReport) {
        if r.skipped_binary {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        self.suppressed.fetch_add(r.suppressed, Ordering::Relaxed);
        if !r.findings.is_empty() {
            if let Ok(mut f) = self.findings.lock() {
                f.extend(r.findings);
            }
        }
        if !r.notes.is_empty() {
            if let Ok(mut n) = self.notes.lock() {
                n.extend(r.notes);
            }
        }
        let _ = path;
    }

    fn note(&self, s: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(s);
        }
    }

    fn into_parts(self, started: Instant) -> (Vec<Finding>, Summary) {
        let mut notes = self.notes.into_inner().unwrap_or_default();
        notes.sort();
        let summary = Summary {
            files_scanned: self.files.into_inner(),
            bytes_scanned: self.bytes.into_inner(),
            files_skipped: self.skipped.into_inner(),
            findings: 0,
            suppressed: self.suppressed.into_inner(),
            baselined: 0,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            notes,
        };
        (self.findings.into_inner().unwrap_or_default(), summary)
    }
}

/// A progress line on stderr, updated a few times a second, while the scan runs.
struct Progress {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(shared: &Arc<Shared>, enabled: bool) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = enabled.then(|| {
            let stop = stop.clone();
            let shared = shared.clone();
            std::thread::spawn(move || {
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    let f = shared.files.load(Ordering::Relaxed);
                    let b = shared.bytes.load(Ordering::Relaxed);
                    if f > 0 {
                        eprint!("\r\x1b[2Kscanning: {f} files, {:.1} MB", b as f64 / 1e6);
                        shown = true;
                    }
                }
                if shown {
                    eprint!("\r\x1b[2K");
                }
            })
        });
        Progress { stop, handle }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Scanner {
    /// Walks `paths` (files or directories) in parallel and scans every text file.
    pub fn scan_tree(&self, paths: &[PathBuf]) -> Result<(Vec<Finding>, Summary), ScanError> {
        let started = Instant::now();
        let Some(first) = paths.first() else {
            return Ok((Vec::new(), Summary::default()));
        };
        for p in paths {
            if !p.exists() {
                return Err(ScanError::MissingPath(p.clone()));
            }
        }
        let respect = self.opts.respect_ignore;
        let mut wb = ignore::WalkBuilder::new(first);
        for p in &paths[1..] {
            wb.add(p);
        }
        wb.hidden(false)
            .ignore(respect)
            .git_ignore(respect)
            .git_exclude(respect)
            .git_global(false)
            .parents(respect)
            .require_git(false)
            .threads(self.opts.threads.max(1))
            .filter_entry(|e| e.file_name() != ".git");
        for a in self.analyzers() {
            a.prepare(paths);
        }
        let shared = Arc::new(Shared::default());
        let progress = Progress::start(&shared, self.opts.progress);
        let max = self.opts.max_file_size;
        wb.build_parallel().run(|| {
            let shared = shared.clone();
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        shared.note(format!("walk: {e}"));
                        return ignore::WalkState::Continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return ignore::WalkState::Continue;
                }
                let path = entry.path();
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if len > max || binary_ext(path) {
                    shared.skipped.fetch_add(1, Ordering::Relaxed);
                    return ignore::WalkState::Continue;
                }
                buf.clear();
                let read = std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut buf));
                if let Err(e) = read {
                    shared.note(format!("{}: cannot read: {e}", display(path)));
                    return ignore::WalkState::Continue;
                }
                let shown = display(path);
                let report = self.scan_file(&shown, Some(path), &buf, None);
                shared.add(&shown, buf.len() as u64, report);
                ignore::WalkState::Continue
            })
        });
        progress.finish();
        let shared = Arc::try_unwrap(shared).map_err(|_| {
            ScanError::Output(std::io::Error::other("walker threads still running"))
        })?;
        Ok(shared.into_parts(started))
    }

    /// Scans every blob reachable from any ref of the repository at `repo`, each blob once,
    /// attributed to the oldest commit (in `git log --all` order) that introduced it.
    pub fn scan_git_history(&self, repo: &Path) -> Result<(Vec<Finding>, Summary), ScanError> {
        let started = Instant::now();
        let git_err = |reason: String| ScanError::Git {
            path: repo.to_path_buf(),
            reason,
        };
        let log = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args([
                "log",
                "--all",
                "-m",
                "--raw",
                "--no-abbrev",
                "--no-renames",
                "--no-color",
                "--format=%x01%H",
            ])
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| git_err(format!("cannot run git: {e}")))?;
        if !log.status.success() {
            return Err(git_err(
                String::from_utf8_lossy(&log.stderr).trim().to_string(),
            ));
        }
        // blob -> (path, commit); later lines are older commits, so the last write wins
        let mut blobs: HashMap<String, (String, String)> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut commit = String::new();
        for line in String::from_utf8_lossy(&log.stdout).lines() {
            if let Some(c) = line.strip_prefix('\u{1}') {
                commit = c.trim().to_string();
            } else if let Some(raw) = line.strip_prefix(':') {
                let Some((meta, path)) = raw.split_once('\t') else {
                    continue;
                };
                let f: Vec<&str> = meta.split_whitespace().collect();
                if f.len() < 5 || f[3].bytes().all(|b| b == b'0') || !f[1].starts_with("100") {
                    continue;
                }
                let blob = f[3].to_string();
                if !blobs.contains_key(&blob) {
                    order.push(blob.clone());
                }
                blobs.insert(blob, (path.to_string(), commit.clone()));
            }
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| git_err(format!("cannot run git cat-file: {e}")))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| git_err("no stdin".into()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| git_err("no stdout".into()))?;
        let feed = order.clone();
        let writer = std::thread::spawn(move || {
            for b in feed {
                if writeln!(stdin, "{b}").is_err() {
                    break;
                }
            }
        });
        let shared = Arc::new(Shared::default());
        let progress = Progress::start(&shared, self.opts.progress);
        let (tx, rx) = std::sync::mpsc::sync_channel::<(String, String, Vec<u8>)>(64);
        let rx = Mutex::new(rx);
        let max = self.opts.max_file_size;
        let result = std::thread::scope(|s| -> Result<(), ScanError> {
            for _ in 0..self.opts.threads.max(1) {
                let shared = shared.clone();
                let rx = &rx;
                s.spawn(move || loop {
                    let next = rx.lock().ok().and_then(|r| r.recv().ok());
                    let Some((path, commit, data)) = next else {
                        break;
                    };
                    let report = self.scan_bytes(&path, &data, Some(&commit));
                    shared.add(&path, data.len() as u64, report);
                });
            }
            let mut reader = BufReader::new(stdout);
            let mut header = String::new();
            for blob in &order {
                header.clear();
                if reader.read_line(&mut header).map_err(ScanError::Output)? == 0 {
                    break;
                }
                let parts: Vec<&str> = header.split_whitespace().collect();
                let size: u64 = match parts.as_slice() {
                    [_, "blob", n] => n.parse().unwrap_or(0),
                    _ => continue, // missing object
                };
                let mut data = Vec::new();
                (&mut reader)
                    .take(size)
                    .read_to_end(&mut data)
                    .map_err(ScanError::Output)?;
                let mut nl = [0u8; 1];
                reader.read_exact(&mut nl).map_err(ScanError::Output)?;
                let Some((path, commit)) = blobs.get(blob) else {
                    continue;
                };
                let p = Path::new(path);
                if size > max || binary_ext(p) {
                    shared.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if tx.send((path.clone(), commit.clone(), data)).is_err() {
                    break;
                }
            }
            drop(tx);
            Ok(())
        });
        let _ = writer.join();
        let _ = child.wait();
        progress.finish();
        result?;
        let shared = Arc::try_unwrap(shared).map_err(|_| {
            ScanError::Output(std::io::Error::other("scanner threads still running"))
        })?;
        Ok(shared.into_parts(started))
    }
}
