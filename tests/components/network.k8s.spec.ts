import * as assert from "node:assert/strict";
import { OPERATOR_CHARTS } from "../../components/lib/k8s-provider";
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
const PROVIDER = "pulumi:providers:kubernetes";

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
    assert.deepEqual(run.outputs.tiers, { edge: "ingress-nginx", app: "app", database: "database", cache: "cache" });
  });

  it("creates one explicit provider, in render mode when renderDir is set", async () => {
    const run = await build("dev", { renderDir: "rendered" });
    const provider = one(run, PROVIDER);
    assert.equal(provider.inputs.renderYamlToDirectory, "rendered");
    assert.equal(provider.inputs.kubeconfig, undefined);
  });

  it("keeps a kubeconfig secret in the provider", async () => {
    const run = await build("dev", { kubeconfig: "apiVersion: v1\nkind: Config\n", context: "prod-admin" });
    const provider = one(run, PROVIDER);
    assert.equal(provider.inputs.context, "prod-admin");
    assert.ok(provider.secretPaths.includes("kubeconfig"), `secret paths: ${provider.secretPaths.join(", ")}`);
  });

  it("installs the pinned operator charts only when asked", async () => {
    assert.equal(ofType(await build("dev"), "kubernetes:helm.sh/v4:Chart").length, 0);
    const run = await build("dev", { installOperators: true });
    const charts = ofType(run, "kubernetes:helm.sh/v4:Chart");
    assert.deepEqual(
      charts.map((c) => [c.inputs.chart, c.inputs.version]).sort(),
      Object.values(OPERATOR_CHARTS)
        .map((c) => [c.chart, c.version])
        .sort(),
    );
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
  });

  it("fails early without a kubernetes target", () => {
    assert.throws(() => Network.resolve({ cloud: "kubernetes", context: base("dev").context }), {
      propertyPath: "kubernetes",
    });
  });
});
