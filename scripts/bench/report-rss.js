// Preloaded by scripts/bench.ts into each measured process: reports its peak RSS (KiB) on exit.
process.on("exit", () => {
  process.stderr.write(`__MAXRSS_KIB__=${process.resourceUsage().maxRSS}\n`);
});
