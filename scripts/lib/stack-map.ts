/**
 * Maps a stack trace from the precompiled dist/ back to the TypeScript sources, on demand: only when the plan
 * crashes (exit 3). Nothing registers a source-map hook at start-up, because Pulumi captures a full stack trace
 * for every resource and mapping each one cost a prod plan ≈ 0.6 s (issue 8, item 7). scripts/dist.js writes the
 * maps beside the files without linking them, so no other tool maps them either.
 */
import * as fs from "node:fs";

interface Consumer {
  originalPositionFor(pos: { line: number; column: number }): {
    source: string | null;
    line: number | null;
    column: number | null;
  };
}

const consumers = new Map<string, Consumer | null>();

function consumerFor(file: string): Consumer | null {
  if (!consumers.has(file)) {
    let consumer: Consumer | null = null;
    try {
      const raw = JSON.parse(fs.readFileSync(`${file}.map`, "utf8"));
      // source-map 0.6 (a dependency of source-map-support, which @pulumi/pulumi uses) has a synchronous consumer.
      const { SourceMapConsumer } = require("source-map") as { SourceMapConsumer: new (raw: unknown) => Consumer };
      consumer = new SourceMapConsumer(raw);
    } catch {
      consumer = null;
    }
    consumers.set(file, consumer);
  }
  return consumers.get(file) ?? null;
}

/** `at f (/repo/dist/components/x.js:10:5)` → `at f (/repo/components/x.ts:12:7)`; other frames unchanged. */
export function mapStack(stack: string): string {
  return stack.replace(
    /(\/[^\s():]*\/dist\/[^\s():]+\.js):(\d+):(\d+)/g,
    (whole, file: string, line: string, col: string) => {
      const consumer = consumerFor(file);
      if (!consumer) return whole;
      const pos = consumer.originalPositionFor({ line: Number(line), column: Number(col) - 1 });
      if (!pos.source || pos.line === null) return whole;
      const source = file.replace(/\/dist\//, "/").replace(/\.js$/, ".ts");
      return `${source}:${pos.line}:${(pos.column ?? 0) + 1}`;
    },
  );
}

/**
 * The one way a script's `main` ends: its resolved number is the exit code; a crash prints the stack mapped to the
 * TypeScript sources and exits 3 (the plan's, cost's, chart's and Deployments plan's documented "crashed" code).
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e instanceof Error ? mapStack(e.stack ?? e.message) : String(e));
      process.exitCode = 3;
    },
  );
}
