/**
 * Kept for scripts/bench-policy.ts: the policy harness now lives in tests/harness/fixtures/ (one file per cloud,
 * index.ts re-exports everything). New code imports "../harness/fixtures".
 */
export * from "./fixtures";
