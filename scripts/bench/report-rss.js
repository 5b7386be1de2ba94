// Preloaded by scripts/bench.ts into each measured process: reports its peak RSS (KiB) and CPU time (user + system,
// µs) on exit. CPU time is the steadier figure on a loaded machine; wall time is what users feel.
process.on("exit", () => {
  const u = process.resourceUsage();
  process.stderr.write(`__MAXRSS_KIB__=${u.maxRSS}\n__CPU_US__=${u.userCPUTime + u.systemCPUTime}\n`);
});
