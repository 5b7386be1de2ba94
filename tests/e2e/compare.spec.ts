/**
 * The plan-vs-engine comparison of `npm run e2e` (tests/e2e/compare.ts), on small hand-made plan and state files.
 * The e2e itself runs the real engine; this only pins down what the comparison accepts and what it rejects.
 */
import * as assert from "node:assert/strict";
import { compare, normalizeUrn, type PlanJson, type PlanResource, report, type StateJson } from "./compare";

const P = "urn:pulumi:local::loom::";
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };

const planned = (urn: string, type: string, name: string, extra: Partial<PlanResource> = {}): PlanResource => ({
  urn: `${P}${urn}::${name}`,
  type,
  name,
  custom: !type.startsWith("loom:"),
  protect: false,
  inputs: {},
  ...extra,
});

/** A plan like the mock engine writes it: the component's URN carries the root Stack in its type chain. */
function plan(): PlanJson {
  return {
    resources: [
      planned("pulumi:pulumi:Stack", "pulumi:pulumi:Stack", "loom-local"),
      planned("pulumi:pulumi:Stack$pulumi:providers:kubernetes", "pulumi:providers:kubernetes", "kubernetes"),
      planned("pulumi:pulumi:Stack$loom:components:Cache", "loom:components:Cache", "loom"),
      planned("loom:components:Cache$kubernetes:core/v1:Secret", "kubernetes:core/v1:Secret", "loom-cache-auth", {
        protect: true,
        inputs: { metadata: { name: "loom-cache-auth" }, stringData: "[secret]" },
      }),
      planned("loom:components:Cache$kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMap", "loom-config", {
        inputs: { metadata: { labels: { a: "b" } }, data: { k: "v" } },
      }),
      planned("loom:components:Cache$kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment", "loom-web", {
        inputs: { spec: { replicas: 2, envFrom: [{ configMapRef: { name: "loom-config-0mock0ab" } }] } },
      }),
    ],
  };
}

/** The same resources as the real engine records them after the Kubernetes provider's Check. */
function state(): StateJson {
  const r = (urn: string, type: string, extra: Record<string, unknown> = {}) => ({
    urn: `${P}${urn}`,
    type,
    custom: true,
    ...extra,
  });
  return {
    deployment: {
      resources: [
        r("pulumi:pulumi:Stack::loom-local", "pulumi:pulumi:Stack", { custom: false }),
        r("pulumi:providers:kubernetes::kubernetes", "pulumi:providers:kubernetes", { inputs: { version: "4.34.2" } }),
        r("loom:components:Cache::loom", "loom:components:Cache", { custom: false }),
        r("loom:components:Cache$kubernetes:core/v1:Secret::loom-cache-auth", "kubernetes:core/v1:Secret", {
          protect: true,
          inputs: { metadata: { name: "loom-cache-auth" }, data: SECRET },
        }),
        r("loom:components:Cache$kubernetes:core/v1:ConfigMap::loom-config", "kubernetes:core/v1:ConfigMap", {
          inputs: {
            metadata: {
              labels: { a: "b" },
              name: "loom-config-4ea00dd5",
              annotations: { "pulumi.com/autonamed": "true" },
            },
            data: { k: "v" },
          },
        }),
        r("loom:components:Cache$kubernetes:apps/v1:Deployment::loom-web", "kubernetes:apps/v1:Deployment", {
          inputs: { spec: { replicas: 2, envFrom: [{ configMapRef: { name: "loom-config-4ea00dd5" } }] } },
        }),
      ],
    },
  };
}

const failures = (p: PlanJson, s: StateJson) => report(compare(p, s), () => {});

describe("e2e: offline plan vs real engine (compare.ts)", () => {
  it("drops the root Stack from a URN's type chain, as the engine does", () => {
    assert.equal(
      normalizeUrn(`${P}pulumi:pulumi:Stack$loom:components:Network::loom`),
      `${P}loom:components:Network::loom`,
    );
    const child = `${P}loom:components:Network$kubernetes:core/v1:Namespace::loom-namespace`;
    assert.equal(normalizeUrn(child), child);
    assert.equal(normalizeUrn(`${P}pulumi:pulumi:Stack::loom-local`), `${P}pulumi:pulumi:Stack::loom-local`);
  });

  it("agrees when only the provider's known normalizations differ, and names each of them", () => {
    const c = compare(plan(), state());
    assert.equal(failures(plan(), state()), 0);
    assert.equal(c.compared, 4, "Stack and provider are excluded");
    const text = c.explained.join("\n");
    assert.match(text, /Secret loom-cache-auth: stringData: .*folds stringData into data/);
    assert.match(text, /ConfigMap loom-config: metadata.name: .*auto-name/);
    assert.match(text, /Deployment loom-web: spec.envFrom.0.configMapRef.name: plan "loom-config-0mock0ab"/);
  });

  it("fails on a resource only one side has, naming its type and name", () => {
    const s = state();
    s.deployment.resources = s.deployment.resources.filter((r) => !r.urn.endsWith("::loom-web"));
    const c = compare(plan(), s);
    assert.deepEqual(c.onlyInPlan, ["kubernetes:apps/v1:Deployment loom-web"]);
    assert.deepEqual(c.onlyInState, []);
    const p = plan();
    p.resources = p.resources.filter((r) => r.name !== "loom-config");
    assert.deepEqual(compare(p, state()).onlyInState, ["kubernetes:core/v1:ConfigMap loom-config"]);
  });

  it("fails on a different parent, a different protect, and any unexplained input difference", () => {
    const p = plan();
    const web = p.resources.find((r) => r.name === "loom-web") as PlanResource;
    web.protect = true;
    (web.inputs.spec as Record<string, unknown>).replicas = 3;
    const cfg = p.resources.find((r) => r.name === "loom-config") as PlanResource;
    cfg.urn = `${P}loom:components:Database$kubernetes:core/v1:ConfigMap::loom-config`;
    const c = compare(p, state());
    assert.deepEqual(c.protect, ["kubernetes:apps/v1:Deployment loom-web: plan protect=true, engine protect=false"]);
    assert.deepEqual(c.inputs, ["kubernetes:apps/v1:Deployment loom-web: spec.replicas: plan 3, engine 2"]);
    assert.equal(c.parents.length, 1);
    assert.match(c.parents[0], /ConfigMap loom-config: plan .*Database.*, engine .*Cache/);
    assert.equal(failures(p, state()), 3);
  });

  it("does not excuse a mock-suffixed name that the provider did not produce", () => {
    const s = state();
    const web = s.deployment.resources.find((r) => r.urn.endsWith("::loom-web"));
    (web as { inputs: unknown }).inputs = { spec: { replicas: 2, envFrom: [{ configMapRef: { name: "other" } }] } };
    assert.equal(compare(plan(), s).inputs.length, 1);
  });
});
