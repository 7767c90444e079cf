//! `cargo run --example dump -- FILE [--tree]`: prints the findings (or the syntax tree).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(p) = args.get(1) else { return };
    let Ok(t) = std::fs::read_to_string(p) else {
        return;
    };
    if args.iter().any(|a| a == "--tree") {
        match palisade_solidity::parse::parse(p, &t) {
            Ok(x) => {
                let mut s = String::new();
                palisade_solidity::tree::dump(&x.root, 0, &mut s);
                print!("{s}");
            }
            Err(e) => eprintln!("{e}"),
        }
        return;
    }
    for f in palisade_solidity::findings(p, t.as_bytes()) {
        println!(
            "{}:{}:{} {} {} {}",
            f.path, f.line, f.column, f.severity, f.rule_id, f.message
        );
    }
}
