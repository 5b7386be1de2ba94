// Pulumi.yaml's `main`: the precompiled program, so `pulumi preview`/`up` start no TypeScript compiler. dist/ is
// brought up to date first (scripts/dist.js: a few ms when nothing changed), then dist/index.js runs; its exports
// are the stack outputs. Type-checking is `npm run typecheck`, as before (the engine never type-checked for us).
// It lives at the project root on purpose: language hosts run the program in the directory of `main`, and
// relative paths in stack config (loom:kubernetes.renderDir: rendered) mean the project root.
"use strict";
module.exports = require("./scripts/dist").requireBuilt("index.ts");
