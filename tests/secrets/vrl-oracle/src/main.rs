//! vrl-oracle compiles a VRL program with the `vrl` crate (the compiler and standard library Vector's remap
//! transform embeds) and runs it on events `{"message": line}`, so tests/secrets/do-vector-redaction.spec.ts checks
//! the rendered redaction as Vector would: it must compile (syntax, fallibility, regex literals) and write the
//! expected lines. Protocol: stdin is lines of hex-encoded UTF-8, first the program, then one sample line each;
//! stdout one hex line per sample, the event's `.message` after the program. Exit 2 with VRL's diagnostics when the
//! program does not compile, 3 when it fails on a line.
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::process::exit;
use vrl::compiler::{compile, state::RuntimeState, Context, TargetValue, TimeZone};
use vrl::diagnostic::Formatter;
use vrl::value::{Secrets, Value};

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
    let source = fields.next().expect("program");
    let functions = vrl::stdlib::all();
    let program = match compile(&source, &functions) {
        Ok(result) => result.program,
        Err(diagnostics) => {
            eprintln!("{}", Formatter::new(&source, diagnostics));
            exit(2);
        }
    };
    let timezone = TimeZone::default();
    let mut out = io::stdout().lock();
    for line in fields {
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::from(line));
        let mut target = TargetValue {
            value: Value::Object(event),
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let mut state = RuntimeState::default();
        let mut ctx = Context::new(&mut target, &mut state, &timezone);
        if let Err(e) = program.resolve(&mut ctx) {
            eprintln!("vrl-oracle: the program failed: {e}");
            exit(3);
        }
        let message = match target
            .value
            .as_object()
            .and_then(|o| o.get("message"))
            .and_then(Value::as_bytes)
        {
            Some(text) => String::from_utf8_lossy(text).into_owned(),
            other => {
                eprintln!("vrl-oracle: .message is not a string after the program: {other:?}");
                exit(3);
            }
        };
        writeln!(out, "{}", encode(&message)).expect("stdout");
    }
}
