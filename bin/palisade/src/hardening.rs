//! Process hardening applied before anything else runs.

/// Disables core dumps (a dump would contain unsealed keys) and, on Linux, marks the process
/// non-dumpable so other processes of the same user cannot ptrace it or read its memory.
pub fn harden_process() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit,
        };
        if let Err(e) = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        ) {
            eprintln!("warning: could not disable core dumps: {e}");
        }
        if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            eprintln!("warning: could not mark the process non-dumpable: {e}");
        }
    }
}
