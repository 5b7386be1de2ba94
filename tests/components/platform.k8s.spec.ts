/**
 * The Kubernetes platform (components/platform/kubernetes.ts): the stack's one explicit provider and the optional
 * operator charts, built once by the Platform component and shared by every component; their URNs are the ones
 * stacks had before the Platform existed (at the stack root).
 */
import * as assert from "node:assert/strict";
import { AppService } from "../../components/app-service";
import { Cache } from "../../components/cache";
import { Database } from "../../components/database";
import { handleFor } from "../../components/lib/component";
import { k8sOptions, LOG_PIPELINE_CHARTS, OPERATOR_CHARTS } from "../../components/lib/k8s-provider";
import { Network } from "../../components/network";
import { Platform } from "../../components/platform";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { at, IMAGE, k8sTarget } from "./k8s-fixtures";

const PROVIDER = "pulumi:providers:kubernetes";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CHART = "kubernetes:helm.sh/v4:Chart";

async function build(env: Environment, kubernetes: Record<string, unknown> = {}, all = false): Promise<ProgramRun> {
  return runComponents(
    () => {
      const platform = new Platform("loom", { target: k8sTarget(env, kubernetes), context: context(env) });
      const base = { platform: platform.handle, context: context(env) };
      const network = new Network("loom", { ...base, appPort: 8080 });
      if (all) {
        const p = PROFILES[env];
        new Database("loom", { ...base, network, ...p.database });
        new Cache("loom", { ...base, network, ...p.cache });
        new AppService("loom", {
          ...base,
          network,
          image: IMAGE,
          domain: "x.example.com",
          web: p.web,
          worker: p.worker,
        });
      }
      const opts = k8sOptions(network, base);
      const handle = handleFor("platform", platform.handle, "kubernetes");
      return {
        cloud: platform.cloud,
        sameProvider: opts.provider === handle.provider,
        waitsForOperators: ([] as unknown[]).concat(opts.dependsOn ?? []).length,
      };
    },
    {},
    env,
  );
}

describe("platform on kubernetes", () => {
  it("creates ONE explicit provider for the whole stack, at the stack root, and every child uses it", async () => {
    const run = await build("prod", {}, true);
    const provider = one(run, PROVIDER);
    assert.equal(provider.urn, "urn:pulumi:prod::loom::pulumi:providers:kubernetes::kubernetes");
    assert.equal(provider.parent ?? null, null, "no parent: the URN every existing stack has");
    const k8s = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(k8s.length > 30, `only ${k8s.length} kubernetes resources`);
    assert.equal(run.outputs.cloud, "kubernetes");
    assert.equal(run.outputs.sameProvider, true, "k8sOptions hands every child the platform's provider");
    assert.equal(run.outputs.waitsForOperators, 0, "no operators installed: nothing to wait for");
  });

  it("renders to a directory when renderDir is set (no kubeconfig)", async () => {
    const provider = one(await build("dev", { renderDir: "rendered" }), PROVIDER);
    assert.equal(provider.inputs.renderYamlToDirectory, "rendered");
    assert.equal(provider.inputs.kubeconfig, undefined);
    assert.equal(String(provider.inputs.enableServerSideApply), "true");
  });

  it("keeps a kubeconfig secret in the provider", async () => {
    const run = await build("dev", { kubeconfig: "apiVersion: v1\nkind: Config\n", context: "prod-admin" });
    const provider = one(run, PROVIDER);
    assert.equal(provider.inputs.context, "prod-admin");
    assert.ok(provider.secretPaths.includes("kubeconfig"), `secret paths: ${provider.secretPaths.join(", ")}`);
  });

  it("installs the pinned operator charts only when asked, at the root, and children wait for them", async () => {
    assert.equal(ofType(await build("dev"), CHART).length, 0);
    const run = await build("dev", { installOperators: true });
    const charts = ofType(run, CHART);
    assert.deepEqual(
      charts.map((c) => [c.inputs.chart, c.inputs.version]).sort(),
      Object.values(OPERATOR_CHARTS)
        .map((c) => [c.chart, c.version])
        .sort(),
    );
    for (const c of charts) assert.equal(c.parent ?? null, null, `${c.urn} keeps its root URN`);
    const namespaces = ofType(run, NAMESPACE).map((n) => [
      at(n.inputs, "metadata", "name"),
      at(n.inputs, "metadata", "labels", "pod-security.kubernetes.io/enforce"),
    ]);
    assert.deepEqual(namespaces, [
      ["cert-manager", "restricted"],
      ["cnpg-system", "restricted"],
      ["keda", "restricted"],
      ["ingress-nginx", "baseline"],
      ["monitoring", "privileged"],
      ["loom-dev", "restricted"],
    ]);
    assert.equal(run.outputs.waitsForOperators, charts.length, "every child depends on the six charts");
  });

  it("leaves the log pipeline to Observability (it needs the profile's retention); children never wait for Loki", async () => {
    const run = await build("dev", { installOperators: true });
    const charts = ofType(run, CHART).map((c) => c.inputs.chart);
    for (const c of Object.values(LOG_PIPELINE_CHARTS)) assert.ok(!charts.includes(c.chart), `${c.chart} not here`);
    assert.equal(run.outputs.waitsForOperators, Object.keys(OPERATOR_CHARTS).length);
  });

  it("narrows to the kubernetes variant, and refuses it where another cloud's is expected", () => {
    const handle = { cloud: "kubernetes" as const };
    assert.equal(handleFor("platform", handle, "kubernetes"), handle);
    assert.throws(() => handleFor("platform", handle as { cloud: string }, "aws"), { propertyPath: "platform" });
  });
});
