import * as assert from "node:assert/strict";
import { Network } from "../../components/network";
import { POD_SECURITY_LABELS } from "../../components/network/kubernetes";
import type { Environment } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base } from "./k8s-fixtures";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const ISSUER = "kubernetes:cert-manager.io/v1:Issuer";

async function build(env: Environment, kubernetes: Record<string, unknown> = {}): Promise<ProgramRun> {
  return runComponents(() => {
    const n = new Network("loom", { ...base(env, kubernetes), appPort: 8080 });
    return { networkId: n.networkId, tiers: n.tiers, cidr: n.cidr };
  });
}

describe("network on kubernetes", () => {
  it("creates the namespace with Pod Security restricted enforced, audited and warned", async () => {
    const run = await build("staging");
    const ns = one(run, NAMESPACE);
    assert.equal(at(ns.inputs, "metadata", "name"), "loom-staging");
    const labels = at(ns.inputs, "metadata", "labels");
    for (const [k, v] of Object.entries(POD_SECURITY_LABELS)) assert.equal(labels[k], v, k);
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(run.outputs.networkId, "loom-staging");
  });

  it("protects the namespace (and the CA) in prod only", async () => {
    const [dev, prod] = [await build("dev"), await build("prod")];
    assert.equal(one(dev, NAMESPACE).protect, false);
    assert.equal(one(prod, NAMESPACE).protect, true);
    assert.equal(one(prod, CERT).protect, true);
  });

  it("puts a default-deny policy and the allow rules into the namespace", async () => {
    const run = await build("prod");
    const policies = ofType(run, POLICY);
    assert.deepEqual(
      policies.map((p) => at(p.inputs, "metadata", "name")),
      [
        "default-deny-all",
        "allow-dns",
        "web-from-ingress-controller",
        "acme-solver-from-ingress-controller",
        "app-metrics-from-monitoring",
        "app-egress",
        "database-ingress",
        "database-egress",
        "cache-from-app",
      ],
    );
    for (const p of policies) assert.equal(at(p.inputs, "metadata", "namespace"), "loom-prod");
  });

  it("excludes the configured cluster ranges from internet egress", async () => {
    const run = await build("prod", { clusterCidrs: ["10.96.0.0/12", "10.244.0.0/16"] });
    const egress = one(run, POLICY, "loom-netpol-app-egress");
    assert.deepEqual(at(egress.inputs, "spec", "egress", 2, "to", 0, "ipBlock"), {
      cidr: "0.0.0.0/0",
      except: ["10.96.0.0/12", "10.244.0.0/16"],
    });
    assert.equal(run.outputs.cidr, "10.96.0.0/12,10.244.0.0/16");
  });

  it("builds the namespace CA: self-signed root → CA certificate (key kept on renewal) → CA issuer", async () => {
    const run = await build("dev");
    const ca = one(run, CERT);
    assert.equal(at(ca.inputs, "spec", "isCA"), true);
    assert.deepEqual(at(ca.inputs, "spec", "privateKey"), { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" });
    assert.deepEqual(at(ca.inputs, "spec", "issuerRef"), {
      group: "cert-manager.io",
      kind: "Issuer",
      name: "loom-selfsigned",
    });
    const issuers = ofType(run, ISSUER).map((i) => at(i.inputs, "spec"));
    assert.deepEqual(issuers, [{ selfSigned: {} }, { ca: { secretName: "loom-internal-ca" } }]);
  });

  it("returns the tiers as the pod-label values the policies select on", async () => {
    const run = await build("dev");
    assert.deepEqual(run.outputs.tiers, {
      edge: "ingress-nginx",
      app: "app",
      database: "database",
      cache: "cache",
      backup: "backup",
    });
  });

  it("fails early without a platform", () => {
    assert.throws(
      () => Network.resolve({ context: base("dev").context } as unknown as Parameters<typeof Network.resolve>[0]),
      { propertyPath: "platform" },
    );
  });

  it("hands the other components a typed kubernetes placement: the namespace and the internal CA issuer", async () => {
    const run = await runComponents(() => {
      const n = new Network("loom", { ...base("prod"), appPort: 8080 });
      return { placement: n.placement, zones: n.zones };
    });
    assert.deepEqual(run.outputs.placement, {
      cloud: "kubernetes",
      namespace: "loom-prod",
      internalIssuer: "loom-internal-ca",
    });
    assert.deepEqual(run.outputs.zones, []);
  });
});
