//! Embeds the demo knowledge base (`demo/articles/*.md`) so the binary needs no files at run time.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("demo/articles");
    println!("cargo:rerun-if-changed=demo/articles");
    println!("cargo:rerun-if-changed=demo/eval.jsonl");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".md"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// `(file name, contents)` of every demo article.\npub const ARTICLES: &[(&str, &str)] = &[\n");
    for n in &names {
        println!("cargo:rerun-if-changed=demo/articles/{n}");
        let _ = writeln!(out, "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/demo/articles/{n}\"))),");
    }
    out.push_str("];\n");
    let eval = if Path::new("demo/eval.jsonl").exists() {
        "include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/demo/eval.jsonl\"))"
    } else {
        "\"\""
    };
    let _ = writeln!(
        out,
        "/// The demo evaluation questions (JSON Lines).\npub const EVAL_JSONL: &str = {eval};"
    );
    let Ok(out_dir) = std::env::var("OUT_DIR") else {
        return;
    };
    let _ = std::fs::write(Path::new(&out_dir).join("demo_files.rs"), out);
}
