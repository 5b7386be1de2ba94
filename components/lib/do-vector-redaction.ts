/**
 * The log redaction of the DigitalOcean droplets: the rules of components/observability/redaction.ts (the credential
 * shapes of policy/lib/credential-shapes.ts first, in the table's order, then bearer values, `key=value` pairs,
 * JWTs, e-mails and IPs, each class behind its `loom:observability.redact` switch) rendered as a Vector `remap`
 * transform, the VRL twin of the collector's OTTL `transform/redact`. Pure.
 *
 * VRL's `replace(value, regex, with)` is Rust's `regex` crate `replace_all`: the RE2 ∩ JavaScript patterns compile
 * there unchanged (no lookaround, no backreferences either) with two renderings:
 * - `\b` becomes `(?-u:\b)`: the crate's `\b` is Unicode-aware by default, RE2's and JavaScript's are ASCII; without
 *   it `AKIA…` right after an `é` would not start at a boundary and would survive.
 * - `'` becomes `\x27`: the pattern sits in a VRL raw regex literal `r'…'`, which a bare `'` would end.
 * A group reference `$1` becomes `${1}` (the crate reads `$1x` as the group named `1x`), and every `$` of the source
 * is written `$$` in vector.yaml, since Vector interpolates `$NAME`/`${NAME}` from the environment in its config.
 * tests/secrets/do-vector-redaction.spec.ts runs the rendered rules through the crate (tests/secrets/rust-regex-oracle).
 */
import { DEFAULT_REDACTION, type Redaction, rulesFor } from "../observability/redaction";

/** The remap transform's name in vector.yaml (between the `tagged` transform and the sink). */
export const REDACT_TRANSFORM = "redact";

/** The VRL regex literal of an RE2 ∩ JavaScript pattern (see the module comment). */
export function vrlRegex(pattern: string): string {
  if (/[\r\n]/.test(pattern))
    throw new Error(`redaction pattern ${JSON.stringify(pattern)}: a line break is not allowed`);
  return `r'${pattern.replace(/\\b/g, "(?-u:\\b)").replace(/'/g, "\\x27")}'`;
}

/**
 * The VRL string literal of a replacement written with `$n` group references (the table's form): `${n}` for the
 * regex crate. Any other `$`, a line break or a `{{` (a VRL template) is refused: the table never needs one.
 */
export function vrlReplacement(mask: string): string {
  const rust = mask.replace(/\$(\d+)/g, (_m, n: string) => `\${${n}}`);
  const stray = rust.replace(/\$\{\d+\}/g, "");
  if (stray.includes("$") || /[\r\n]|\{\{/.test(rust)) {
    throw new Error(
      `redaction replacement ${JSON.stringify(mask)}: only literal text and $n group references are allowed (no other "$", line break or "{{")`,
    );
  }
  return `"${rust.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * The VRL program: every string `.message` through each rule in order, written back once. A non-string or missing
 * message is left alone (journald always sets one); the program cannot fail, so no event passes unredacted on error.
 * Its `$` are already doubled for Vector's environment interpolation: put it in vector.yaml as it is.
 */
export function redactionSource(r: Redaction = DEFAULT_REDACTION): string | undefined {
  const rules = rulesFor(r);
  if (rules.length === 0) return undefined;
  const lines = [
    "if is_string(.message) {",
    "  message = string!(.message)",
    ...rules.map(
      (rule) => `  message = replace(message, ${vrlRegex(rule.pattern)}, ${vrlReplacement(rule.replacement)})`,
    ),
    "  .message = message",
    "}",
  ];
  return `${lines.join("\n").replace(/\$/g, "$$$$")}\n`;
}

/** The remap transform of {@link redactionSource}, or undefined when every class is switched off. */
export function redactTransform(
  inputs: string[],
  r: Redaction = DEFAULT_REDACTION,
): Record<string, unknown> | undefined {
  const source = redactionSource(r);
  if (source === undefined) return undefined;
  // Fail closed: an event the program could not process is dropped, never shipped as it came.
  return { type: "remap", inputs, source, drop_on_error: true, drop_on_abort: true };
}
