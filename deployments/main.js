// deployments/Pulumi.yaml's `main`: the precompiled program (scripts/dist.js builds what changed into dist/, then
// dist/deployments/index.js runs); its return value is the stack outputs. Type-checking is `npm run typecheck`.
"use strict";
const { program } = require("../scripts/dist").requireBuilt("deployments/index.ts");
module.exports = program();
