/**
 * The real program (../../../index.ts) with two deliberate mandatory violations of the loom-guard pack under
 * policy/config/prod.json, made by a stack transformation so no production code knows about this test:
 *   - container-hardening: the web pods share the node's network namespace (`hostNetwork: true`);
 *   - deletion-protection: the CloudNativePG Cluster loses the Pulumi `protect` option.
 * `npm run e2e` (scripts/e2e.sh, step 4) runs `pulumi preview --policy-pack` on it and asserts both rule names.
 */
import * as pulumi from "@pulumi/pulumi";

type Props = Record<string, unknown> & {
  spec?: { template?: { spec?: Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown>;
};

pulumi.runtime.registerStackTransformation((args) => {
  if (args.type === "kubernetes:apps/v1:Deployment" && args.name === "loom-web") {
    const props = args.props as Props;
    const spec = props.spec ?? {};
    const template = spec.template ?? {};
    return {
      props: { ...props, spec: { ...spec, template: { ...template, spec: { ...template.spec, hostNetwork: true } } } },
      opts: args.opts,
    };
  }
  if (args.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
    return { props: args.props, opts: { ...args.opts, protect: false } };
  }
  return undefined;
});

// Loaded after the transformation is registered (an import would be hoisted above it). Its exports are the stack's.
module.exports = require("../../../index");
