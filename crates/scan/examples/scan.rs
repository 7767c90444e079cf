//! Manual testing: `cargo run -p palisade-scan --example scan -- [ARGS]` behaves like
//! `palisade scan [ARGS]`.
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: palisade_scan::cli::ScanArgs,
}

fn main() {
    let cli = Cli::parse();
    std::process::exit(palisade_scan::cli::run(&cli.args));
}
