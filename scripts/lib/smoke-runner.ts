/**
 * The one way the smoke test and the rollback run a CLI (pulumi, aws, gcloud, az, kubectl, ansible): an injectable
 * runner, so tests hand in a fake that answers from fixtures and records the exact command sequence.
 */
import { spawn } from "node:child_process";

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type Runner = (argv: readonly string[]) => Promise<RunResult>;

/** A check's verdict: `skipped` checks pass and say why they could not look. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  skipped?: boolean;
}

/** Runs argv[0] with the rest as arguments (no shell), stdin closed, output captured; never throws on exit status. */
export const processRunner: Runner = (argv) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (e) => resolve({ status: 127, stdout, stderr: `${cmd}: ${e.message}` }));
    child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });

/** Run a command that must succeed and print JSON; the error names the command, its status and its stderr. */
export async function runJson<T>(run: Runner, argv: readonly string[]): Promise<T> {
  const r = await run(argv);
  const shown = argv.join(" ");
  if (r.status !== 0) throw new Error(`\`${shown}\` exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`\`${shown}\` printed no JSON: ${r.stdout.trim().slice(0, 200)}`);
  }
}
