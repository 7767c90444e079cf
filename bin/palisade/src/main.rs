//! `palisade`: one binary for the server, its operators and the scanner.
//!
//! `main` parses flags, hardens the process, calls the command and maps errors to exit codes;
//! the work happens in the library crates. Like Vault's CLI, most commands are clients of a
//! running server's admin API (`PALISADE_ADDR`, `PALISADE_TOKEN`); only bootstrap and offline
//! work (`init`, `serve`) touch the data directory.
#![forbid(unsafe_code)]

mod audit_cmd;
mod client;
mod commands;
mod governance_cmd;
mod hardening;
mod probe_cmd;
mod serve;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "palisade",
    version,
    about = "Key custody, signing gateway and security scanner for Web3 infrastructure"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (sealed until unsealed; `--dev` for a throwaway, auto-unsealed instance).
    Serve(serve::ServeArgs),
    /// Create the seal and the root credential in a new data directory.
    Init(commands::InitArgs),
    /// Give one unseal share (or the passphrase) to a running server.
    Unseal(commands::UnsealArgs),
    /// Wipe all keys from the server's memory; it refuses to sign until unsealed.
    Seal(commands::ClientArgs),
    /// Show seal status.
    Status(commands::ClientArgs),
    /// Manage keys.
    #[command(subcommand)]
    Key(commands::KeyCommand),
    /// Manage API credentials.
    #[command(subcommand)]
    Credential(commands::CredentialCommand),
    /// Write keys to an age-encrypted file for offline recipients.
    Backup(commands::BackupArgs),
    /// Restore keys from a backup into this (fresh) instance.
    Restore(commands::RestoreArgs),
    /// Operator tasks: data-key rotation.
    #[command(subcommand)]
    Operator(commands::OperatorCommand),
    /// Audit log checks.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Incidents raised by detection: list, show, resolve (undoes the responses).
    #[command(subcommand)]
    Incident(audit_cmd::IncidentCommand),
    /// Incident responses by hand: suspend/reinstate credentials, block sources, lockdown.
    #[command(subcommand)]
    Response(audit_cmd::ResponseCommand),
    /// Policies: validate, show, set, what-if test.
    #[command(subcommand)]
    Policy(governance_cmd::PolicyCommand),
    /// M-of-N approvals: list, show, accept, reject; approver key generation.
    #[command(subcommand)]
    Approve(governance_cmd::ApproveCommand),
    /// Scan files (and optionally git history) for leaked keys, misconfigured deployments and
    /// vulnerable Solidity contracts.
    Scan(palisade_scan::cli::ScanArgs),
    /// Check a live JSON-RPC endpoint for dangerous exposure (unlockable accounts, admin/debug namespaces, CORS).
    Probe(probe_cmd::ProbeArgs),
}

fn main() -> ExitCode {
    hardening::harden_process();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Init(args) => commands::init(args),
        Command::Unseal(args) => commands::unseal(args),
        Command::Seal(args) => commands::seal(args),
        Command::Status(args) => commands::status(args),
        Command::Key(cmd) => commands::key(cmd),
        Command::Credential(cmd) => commands::credential(cmd),
        Command::Backup(args) => commands::backup(args),
        Command::Restore(args) => commands::restore(args),
        Command::Operator(cmd) => commands::operator(cmd),
        Command::Audit(cmd) => audit_cmd::audit(cmd),
        Command::Incident(cmd) => audit_cmd::incident(cmd),
        Command::Response(cmd) => audit_cmd::response(cmd),
        Command::Policy(cmd) => governance_cmd::policy(cmd),
        Command::Approve(cmd) => governance_cmd::approve(cmd),
        // The scanner defines its own exit codes (0 clean, 1 findings, 2 error).
        Command::Probe(args) => return probe_cmd::run(args),
        Command::Scan(args) => {
            // the composition root: language analysers plug into the scanner here (one per
            // scan, so each Solidity file is parsed once however often it is imported)
            let analyzers = vec![palisade_solidity::SolidityAnalyzer::shared()];
            // the parser's own panics on malformed files become sol-parse-error findings
            palisade_solidity::parse::quiet_parser_panics();
            let code = palisade_scan::cli::run_with(&args, analyzers);
            return ExitCode::from(code.clamp(0, 255) as u8);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
