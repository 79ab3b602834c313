//! Turns every ```rust block of README.md into a module of `tests/readme.rs`, so that
//! CI compiles what a newcomer copies. Each block is module-level Rust (items only); the
//! names it leaves to the reader (`User`, `Db`, ...) come from `readme_scaffold!`, and a
//! block that writes no `impl AuthUser for User` or `#[user_loader]` of its own gets
//! the scaffold's. Blocks that use Flask mode build with `--features flask`.

use std::fmt::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=README.md");
    let readme = std::fs::read_to_string("README.md").expect("README.md at the package root");
    let mut out = String::new();
    let mut block: Option<String> = None;
    let mut n = 0;
    for line in readme.lines() {
        match &mut block {
            None if line.trim_end() == "```rust" => block = Some(String::new()),
            None => {}
            Some(code) if line.trim_end() == "```" => {
                n += 1;
                let gate = if code.contains("flask::") || code.contains("::flask(") {
                    "#[cfg(feature = \"flask\")]\n"
                } else {
                    ""
                };
                let auth = !code.contains("impl AuthUser for User");
                let loader = !code.contains("#[user_loader]");
                write!(
                    out,
                    "{gate}#[allow(unused, dead_code, unreachable_pub, clippy::all)]\nmod readme_block_{n} {{\n    \
                     readme_scaffold!(auth = {auth}, loader = {loader});\n{code}}}\n\n"
                )
                .expect("writing to a String");
                block = None;
            }
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    writeln!(
        out,
        "/// How many blocks README.md had when this was built.\nconst README_BLOCKS: usize = {n};"
    )
    .expect("writing to a String");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("readme.rs");
    std::fs::write(dest, out).expect("writing readme.rs");
}
