/**
 * Reads the scanners' JSON (written by scripts/scan/k8s.sh), applies scripts/scan/ignores.yaml, prints a summary and
 * exits 1 on any gated finding or stale ignore (docs/scanners.md).
 *   report.ts --ignores F --kube-score K.json... --trivy DIR=T.json...              the gate
 *   report.ts --control --kube-score K.json --trivy DIR=T.json --expect scanner:check:Kind/name...
 *                                             the negative control: exit 1 unless every expected finding is there
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { type Finding, fromKubeScore, fromTrivy, GATED, judge, loadIgnores } from "./findings";

function objectOfFile(file: string): string {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8")).map(
    (d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null,
  );
  const o = docs.find((d) => d?.kind);
  if (!o) throw new Error(`scan: ${file} holds no Kubernetes object (no 'kind')`);
  return `${o.kind}/${o.metadata?.name ?? "?"}`;
}

function collect(ks: string[], trivy: string[]): Finding[] {
  const all: Finding[] = [];
  for (const f of ks) all.push(...fromKubeScore(JSON.parse(fs.readFileSync(f, "utf8"))));
  for (const spec of trivy) {
    const eq = spec.indexOf("=");
    if (eq < 0)
      throw new Error(`scan: --trivy takes DIR=FILE.json (the scanned directory and its report), got '${spec}'`);
    const dir = spec.slice(0, eq);
    const doc = JSON.parse(fs.readFileSync(spec.slice(eq + 1), "utf8"));
    all.push(...fromTrivy(doc, (t) => objectOfFile(path.isAbsolute(t) ? t : path.join(dir, t))));
  }
  // One line per (scanner, check, object): the same object rendered for several profiles counts once.
  const seen = new Map<string, Finding>();
  for (const f of all) seen.set(`${f.scanner}\0${f.check}\0${f.object}\0${f.severity}`, f);
  return [...seen.values()].sort((a, b) =>
    `${a.scanner}${a.check}${a.object}`.localeCompare(`${b.scanner}${b.check}${b.object}`),
  );
}

function args(argv: string[]) {
  const a = { ignores: "", ks: [] as string[], trivy: [] as string[], expect: [] as string[], control: false };
  let key: "ks" | "trivy" | "expect" | "ignores" | undefined;
  for (const x of argv) {
    if (x === "--control") a.control = true;
    else if (x === "--kube-score") key = "ks";
    else if (x === "--trivy") key = "trivy";
    else if (x === "--expect") key = "expect";
    else if (x === "--ignores") key = "ignores";
    else if (key === "ignores") a.ignores = x;
    else if (key) a[key].push(x);
    else throw new Error(`scan: unexpected argument '${x}'`);
  }
  return a;
}

function control(findings: Finding[], expect: string[]): number {
  let missing = 0;
  for (const e of expect) {
    const [scanner, check, object] = e.split(":");
    const hit = findings.find((f) => f.scanner === scanner && f.check === check && f.object === object);
    console.log(
      `   control: ${hit ? "flagged" : "NOT FLAGGED"}  ${scanner} ${check} ${object}${hit ? ` (${hit.severity})` : ""}`,
    );
    if (!hit) missing++;
  }
  if (expect.length === 0 || missing > 0) {
    console.error(
      "scan: the negative control was not flagged: the scanners (or their flags) no longer check what we think",
    );
    return 1;
  }
  return 0;
}

function main(): number {
  const a = args(process.argv.slice(2));
  const findings = collect(a.ks, a.trivy);
  if (a.control) return control(findings, a.expect);
  const v = judge(findings, loadIgnores(a.ignores));
  const line = (f: Finding) => `${f.scanner.padEnd(10)} ${f.severity.padEnd(8)} ${f.check.padEnd(38)} ${f.object}`;
  for (const f of v.reported) console.log(`   below gate  ${line(f)}`);
  for (const { finding } of v.ignored) console.log(`   ignored     ${line(finding)}`);
  for (const f of v.gated)
    console.log(`   FAIL        ${line(f)}\n               ${f.message} (${path.basename(f.file)})`);
  for (const s of v.stale) {
    console.log(
      `   STALE       ignore ${s.ignore.scanner} ${s.ignore.check} ${s.object}: matches no finding; remove it`,
    );
  }
  const by = (s: string) => findings.filter((f) => f.scanner === s).length;
  console.log(
    `   summary: kube-score ${by("kube-score")} findings, trivy ${by("trivy")}; ${v.ignored.length} ignored (with reasons), ` +
      `${v.reported.length} below the gate, ${v.gated.length} failing, ${v.stale.length} stale ignores ` +
      `(gate: kube-score ${GATED["kube-score"].join("/")}, trivy ${GATED.trivy.join("/")})`,
  );
  return v.gated.length + v.stale.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}
