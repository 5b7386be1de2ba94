//! rust-regex-oracle applies redaction rules with Rust's `regex` crate, the engine behind VRL's `replace()` (Vector's
//! remap transform on every DigitalOcean droplet): `Regex::new(pattern)?.replace_all(line, replacement)`, the
//! replacement expanded as the crate does (`${1}` = group 1), so tests/secrets/do-vector-redaction.spec.ts compares
//! the rendered vector.yaml with the expected masked lines. Protocol (no serde, one dependency): stdin is lines of
//! hex-encoded UTF-8, first the rule count N, then N pattern/replacement pairs, then the sample lines; stdout is one
//! hex line per sample after every rule in order. Exit 2 names a pattern the crate refuses.
use regex::Regex;
use std::io::{self, BufRead, Write};
use std::process::exit;

fn decode(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex input"))
        .collect();
    String::from_utf8(bytes).expect("UTF-8 input")
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let stdin = io::stdin();
    let mut fields = stdin
        .lock()
        .lines()
        .map(|l| decode(l.expect("stdin").trim()));
    let count: usize = fields
        .next()
        .expect("rule count")
        .parse()
        .expect("rule count");
    let mut rules = Vec::with_capacity(count);
    for _ in 0..count {
        let pattern = fields.next().expect("pattern");
        let replacement = fields.next().expect("replacement");
        match Regex::new(&pattern) {
            Ok(re) => rules.push((re, replacement)),
            Err(e) => {
                eprintln!("rust-regex-oracle: the regex crate refuses {pattern:?}: {e}");
                exit(2);
            }
        }
    }
    let mut out = io::stdout().lock();
    for line in fields {
        let masked = rules.iter().fold(line, |text, (re, with)| {
            re.replace_all(&text, with.as_str()).into_owned()
        });
        writeln!(out, "{}", encode(&masked)).expect("stdout");
    }
}
