/**
 * The test-only skip-await switch (`loom:kubernetes.testOnlySkipAwait`, components/lib/k8s-skip-await.ts): on the
 * `cluster` stack (Pulumi.cluster.yaml, npm run e2e:cluster) the whole program, under the mock engine, carries
 * `pulumi.com/skipAwait: "true"` on exactly the workload kinds and nothing else changes; off, no resource has it; and
 * the target refuses the switch in every other stack, with another kubeconfig, or with the operator charts.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  SKIP_AWAIT_ANNOTATION,
  SKIP_AWAIT_TYPES,
  SKIP_AWAIT_WARNING,
  withSkipAwait,
} from "../../components/lib/k8s-skip-await";
import { parseSettings, SettingsError } from "../../components/settings";
import { readRawConfig } from "../../components/settings-config";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { loadStackConfig, type PlanResult, planStack, validateConfig } from "../../scripts/lib/plan";
import { promiseOf } from "../harness/program";

const KUBECONFIG = "out/cluster/kubeconfig";
const WHAT = "loom:kubernetes.testOnlySkipAwait is TEST ONLY (workloads are reported created before they are ready)";

const annotationsOf = (r: PlannedResource): Record<string, string> | undefined =>
  (r.inputs.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;

/**
 * A plan's resources with the values that differ between two runs of the same program replaced: the passwords
 * generated from the OS CSPRNG at every run — the Valkey password (components/cache/kubernetes.ts, in its Secret's
 * `stringData.password` and inside `auth.conf`) and the five database logins' (components/database/cnpg-logins.ts,
 * each Secret's `stringData.password`), numbered in plan order. Any other difference still fails the comparison.
 */
function withoutGeneratedPassword(resources: PlannedResource[]): PlannedResource[] {
  const passwords = resources
    .map((r) => (r.inputs.stringData as { password?: unknown } | undefined)?.password)
    .filter((p): p is string => typeof p === "string");
  assert.equal(passwords.length, 6, "six generated passwords (the cache's, five database logins') in the plan");
  let text = JSON.stringify(resources);
  passwords.forEach((password, i) => {
    text = text.split(password).join(`<generated-${i}>`);
  });
  return JSON.parse(text) as PlannedResource[];
}

/**
 * The `on` plan's resources with the switch taken out of the one place that copies the resolved target: the stack
 * config snapshot (`LOOM_BACKUP_CONFIG`) the logical-backup CronJob carries. Asserts that is the only place.
 */
const SWITCH_IN_SNAPSHOT = ',\\"testOnlySkipAwait\\":true';
function withoutSwitchInSnapshot(resources: PlannedResource[]): PlannedResource[] {
  const carrying = resources.filter((r) => JSON.stringify(r.inputs).includes(SWITCH_IN_SNAPSHOT)).map((r) => r.urn);
  assert.deepEqual(carrying, [
    "urn:pulumi:cluster::loom::loom:components:Backups$kubernetes:batch/v1:CronJob::loom-logical-backup",
  ]);
  return JSON.parse(JSON.stringify(resources).split(SWITCH_IN_SNAPSHOT).join("")) as PlannedResource[];
}

/** The cluster stack planned (no pack), with `loom:kubernetes` replaced when given; the warnings it logged. */
async function plan(kubernetes?: Record<string, unknown>): Promise<{ result: PlanResult; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = pulumi.log.warn;
  (pulumi.log as { warn: typeof warn }).warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    const configOverrides = kubernetes ? { "loom:kubernetes": JSON.stringify(kubernetes) } : undefined;
    return { result: await planStack({ stack: "cluster", policy: false, configOverrides }), warnings };
  } finally {
    (pulumi.log as { warn: typeof warn }).warn = warn;
  }
}

/** The settings' problems for `stack`'s file on Kubernetes with `kubernetes` as its `loom:kubernetes`. */
function problemsOf(stack: string, kubernetes: Record<string, unknown>): string[] {
  const { config, secretKeys } = loadStackConfig(stack);
  for (const key of Object.keys(config)) if (/^(aws|gcp|azure-native|digitalocean):/.test(key)) delete config[key];
  Object.assign(config, { "loom:cloud": "kubernetes", "loom:kubernetes": JSON.stringify(kubernetes) });
  try {
    validateConfig(stack, config, secretKeys);
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail(`Pulumi.${stack}.yaml accepted the switch`);
}

describe("test-only skip-await switch (loom:kubernetes.testOnlySkipAwait)", () => {
  let on: Awaited<ReturnType<typeof plan>>;
  let off: Awaited<ReturnType<typeof plan>>;
  before(async () => {
    on = await plan();
    off = await plan({ kubeconfig: KUBECONFIG });
  });

  it("on (Pulumi.cluster.yaml): the annotation is on exactly the workload kinds, every one of them", () => {
    const annotated = on.result.resources
      .filter((r) => annotationsOf(r)?.[SKIP_AWAIT_ANNOTATION] !== undefined)
      .map((r) => `${r.type.split(":").pop()} ${r.name}=${annotationsOf(r)?.[SKIP_AWAIT_ANNOTATION]}`)
      .sort();
    assert.deepEqual(annotated, [
      "Deployment loom-jaeger=true",
      "Deployment loom-otel-collector=true",
      "Deployment loom-web=true",
      "Deployment loom-worker=true",
      "Ingress loom-web-metrics-deny=true",
      "Ingress loom-web=true",
      "Job loom-migrate=true",
      "Service loom-cache-headless=true",
      "Service loom-cache=true",
      "Service loom-jaeger=true",
      "Service loom-otel-collector=true",
      "Service loom-web=true",
      "StatefulSet loom-cache=true",
    ]);
    const missed = on.result.resources.filter(
      (r) => SKIP_AWAIT_TYPES.includes(r.type) && annotationsOf(r)?.[SKIP_AWAIT_ANNOTATION] !== "true",
    );
    assert.deepEqual(missed, [], "every resource of a skip-await kind is annotated");
  });

  it("on: nothing else changes (same resources; inputs as without the switch plus the annotation; the backup config snapshot names it)", () => {
    assert.deepEqual(
      on.result.resources.map((r) => r.urn),
      off.result.resources.map((r) => r.urn),
    );
    const offByUrn = new Map(withoutGeneratedPassword(off.result.resources).map((r) => [r.urn, r]));
    for (const r of withoutSwitchInSnapshot(withoutGeneratedPassword(on.result.resources))) {
      const before = offByUrn.get(r.urn) as PlannedResource;
      if (!SKIP_AWAIT_TYPES.includes(r.type)) {
        assert.deepEqual(r.inputs, before.inputs, r.urn);
        continue;
      }
      const metadata = before.inputs.metadata as Record<string, unknown>;
      const annotations = { ...(annotationsOf(before) ?? {}), [SKIP_AWAIT_ANNOTATION]: "true" };
      assert.deepEqual(r.inputs, { ...before.inputs, metadata: { ...metadata, annotations } }, r.urn);
    }
    // The cache StatefulSet's own annotations (checkov suppressions) are kept beside it.
    const cache = on.result.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet") as PlannedResource;
    assert.ok(Object.keys(annotationsOf(cache) ?? {}).length > 1, "the StatefulSet keeps its other annotations");
  });

  it("on: the program warns once, with the key and TEST ONLY; off: not at all", () => {
    assert.deepEqual(
      on.warnings.filter((w) => w.includes("testOnlySkipAwait")),
      [SKIP_AWAIT_WARNING],
    );
    assert.ok(SKIP_AWAIT_WARNING.startsWith("loom:kubernetes.testOnlySkipAwait is ON"), SKIP_AWAIT_WARNING);
    assert.ok(SKIP_AWAIT_WARNING.includes("TEST ONLY"), SKIP_AWAIT_WARNING);
    assert.deepEqual(
      off.warnings.filter((w) => w.includes("testOnlySkipAwait")),
      [],
    );
  });

  it("off: no resource carries the annotation", () => {
    const annotated = off.result.resources.filter((r) => annotationsOf(r)?.[SKIP_AWAIT_ANNOTATION] !== undefined);
    assert.deepEqual(
      annotated.map((r) => r.urn),
      [],
    );
    assert.ok(off.result.resources.filter((r) => SKIP_AWAIT_TYPES.includes(r.type)).length === 13);
  });

  for (const stack of ["dev", "staging", "prod"]) {
    it(`is refused in Pulumi.${stack}.yaml (on Kubernetes, even with the e2e kubeconfig)`, () => {
      assert.deepEqual(problemsOf(stack, { kubeconfig: KUBECONFIG, testOnlySkipAwait: true }), [
        `${WHAT}: it is allowed only in the stack "cluster" (npm run e2e:cluster), not in "${stack}"; remove it`,
      ]);
    });
  }

  it("is refused in Pulumi.local.yaml (render mode, no kubeconfig): both reasons named", () => {
    assert.deepEqual(problemsOf("local", { renderDir: "rendered", testOnlySkipAwait: "true" }), [
      `${WHAT}: it is allowed only in the stack "cluster" (npm run e2e:cluster), not in "local"; remove it`,
      `${WHAT}: loom:kubernetes.kubeconfig must be "out/cluster/kubeconfig" (the e2e control plane, scripts/cluster/up.sh) with it, not (not set)`,
    ]);
  });

  it("is refused in the cluster stack with another kubeconfig, or with installOperators", () => {
    assert.deepEqual(problemsOf("cluster", { kubeconfig: "~/.kube/config", testOnlySkipAwait: true }), [
      `${WHAT}: loom:kubernetes.kubeconfig must be "out/cluster/kubeconfig" (the e2e control plane, scripts/cluster/up.sh) with it, not "~/.kube/config"`,
    ]);
    assert.deepEqual(
      problemsOf("cluster", { kubeconfig: KUBECONFIG, installOperators: true, testOnlySkipAwait: true }),
      [
        `${WHAT}: it cannot be set with loom:kubernetes.installOperators (the charts' workloads would not be annotated); remove one of them`,
      ],
    );
  });

  it("false (or absent) is accepted anywhere and leaves the target without the key", () => {
    const targetOf = (stack: string, kubernetes: Record<string, unknown>) => {
      const { config, secretKeys } = loadStackConfig("cluster");
      config["loom:kubernetes"] = JSON.stringify(kubernetes);
      return parseSettings(readRawConfig(config), { stack, providerConfig: {}, secretKeys }).target;
    };
    const offTarget = targetOf("prod", { kubeconfig: "/elsewhere/kubeconfig", testOnlySkipAwait: false });
    assert.equal("testOnlySkipAwait" in offTarget, false);
    assert.equal("testOnlySkipAwait" in targetOf("dev", {}), false);
    const onTarget = targetOf("cluster", { kubeconfig: KUBECONFIG, testOnlySkipAwait: "true" });
    assert.equal((onTarget as { testOnlySkipAwait?: boolean }).testOnlySkipAwait, true);
  });

  it("merges into metadata and annotations given as Outputs, keeping the other annotations", async () => {
    const fromOutput = withSkipAwait(pulumi.output({ name: "a", annotations: { x: "1" } })) as pulumi.Output<unknown>;
    assert.ok(pulumi.Output.isInstance(fromOutput));
    assert.deepEqual(await promiseOf(fromOutput), {
      name: "a",
      annotations: { x: "1", [SKIP_AWAIT_ANNOTATION]: "true" },
    });
    const inner = withSkipAwait({ name: "b", annotations: pulumi.output({ y: "2" }) }) as {
      name: string;
      annotations: pulumi.Output<unknown>;
    };
    assert.equal(inner.name, "b", "a plain metadata stays plain (names stay known in a preview)");
    assert.deepEqual(await promiseOf(inner.annotations), { y: "2", [SKIP_AWAIT_ANNOTATION]: "true" });
    assert.deepEqual(withSkipAwait(undefined), { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } });
  });
});
