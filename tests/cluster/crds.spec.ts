/**
 * The CRD selection of the e2e control plane (scripts/cluster/crds.ts, used by scripts/cluster/up.sh): which module
 * versions the pinned charts map to (versions live in OPERATOR_CHARTS only), which API groups the cluster stack's
 * resources use, and that a kind or version no CRD serves is named instead of silently skipped.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { OPERATOR_CHARTS } from "../../components/lib/k8s-provider";
import {
  CRD_SOURCES,
  type Crd,
  isBuiltinGroup,
  modulePins,
  parseCrds,
  selectCrds,
  usedCustomTypes,
} from "../../scripts/cluster/crds";
import { planStack } from "../../scripts/lib/plan";

const crd = (name: string, group: string, kind: string, versions: string[]): Crd => ({
  file: `${name}.yaml`,
  name,
  group,
  kind,
  versions,
});

describe("cluster CRDs (scripts/cluster/crds.ts)", () => {
  it("maps every pinned chart with CRDs to its operator's module at the version that chart ships", () => {
    assert.deepEqual(
      modulePins().map((p) => `${p.chart} ${p.chartVersion} -> ${p.module}@${p.version} ${p.dir}`),
      [
        "cert-manager v1.20.1 -> github.com/cert-manager/cert-manager@v1.20.1 deploy/crds",
        "cloudnative-pg 0.29.0 -> github.com/cloudnative-pg/cloudnative-pg@v1.30.0 config/crd/bases",
        "plugin-barman-cloud 0.8.0 -> github.com/cloudnative-pg/plugin-barman-cloud@v0.14.0 config/crd/bases",
        "keda 2.19.0 -> github.com/kedacore/keda/v2@v2.19.0 config/crd/bases",
        "kube-prometheus-stack 84.5.0 -> github.com/prometheus-operator/prometheus-operator@v0.90.1 example/prometheus-operator-crd",
      ],
    );
    // The chart versions come from OPERATOR_CHARTS itself, not a copy.
    for (const p of modulePins()) assert.equal(p.chartVersion, OPERATOR_CHARTS[p.operator].version);
  });

  it("a chart bumped without its module mapping fails, naming the chart, the pin and the known versions", () => {
    const bumped = { ...OPERATOR_CHARTS, keda: { ...OPERATOR_CHARTS.keda, version: "2.20.0" } };
    assert.throws(
      () => modulePins(bumped),
      new Error(
        'OPERATOR_CHARTS.keda pins keda 2.20.0, but CRD_SOURCES.keda.versions maps only 2.19.0: add "2.20.0" with ' +
          "the module version that chart ships (its Chart.yaml appVersion)",
      ),
    );
    const { keda: _, ...withoutKeda } = CRD_SOURCES;
    assert.throws(
      () => modulePins(OPERATOR_CHARTS, withoutKeda as typeof CRD_SOURCES),
      new Error("OPERATOR_CHARTS.keda (keda) has no entry in CRD_SOURCES (scripts/cluster/crds.ts)"),
    );
  });

  it("tells built-in API groups from custom ones", () => {
    for (const g of [
      "core",
      "apps",
      "batch",
      "policy",
      "autoscaling",
      "networking.k8s.io",
      "rbac.authorization.k8s.io",
    ]) {
      assert.equal(isBuiltinGroup(g), true, g);
    }
    for (const g of ["cert-manager.io", "postgresql.cnpg.io", "keda.sh", "monitoring.coreos.com"]) {
      assert.equal(isBuiltinGroup(g), false, g);
    }
  });

  it("the cluster stack uses exactly these custom kinds (from the mock-engine plan of Pulumi.cluster.yaml)", async () => {
    const plan = await planStack({ stack: "cluster", policy: false });
    assert.deepEqual(
      usedCustomTypes(plan.resources.map((r) => r.type)).map((t) => `${t.group}/${t.version} ${t.kind}`),
      [
        "barmancloud.cnpg.io/v1 ObjectStore",
        "cert-manager.io/v1 Certificate",
        "cert-manager.io/v1 ClusterIssuer",
        "cert-manager.io/v1 Issuer",
        "keda.sh/v1alpha1 ScaledObject",
        "monitoring.coreos.com/v1 PodMonitor",
        "monitoring.coreos.com/v1 PrometheusRule",
        "monitoring.coreos.com/v1 ServiceMonitor",
        "monitoring.coreos.com/v1alpha1 AlertmanagerConfig",
        "postgresql.cnpg.io/v1 Cluster",
        "postgresql.cnpg.io/v1 Pooler",
        "postgresql.cnpg.io/v1 ScheduledBackup",
      ],
    );
  });

  it("ignores built-in kinds, providers and components, and lists each custom type once", () => {
    const used = usedCustomTypes([
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Service",
      "kubernetes:networking.k8s.io/v1:Ingress",
      "pulumi:providers:kubernetes",
      "loom:components:Database",
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
    ]);
    assert.deepEqual(used, [{ group: "keda.sh", version: "v1alpha1", kind: "ScaledObject" }]);
  });

  it("selects every CRD of a used group (not only the used kinds), nothing of the others", () => {
    const crds = [
      crd("scaledobjects.keda.sh", "keda.sh", "ScaledObject", ["v1alpha1"]),
      crd("scaledjobs.keda.sh", "keda.sh", "ScaledJob", ["v1alpha1"]),
      crd("cloudeventsources.eventing.keda.sh", "eventing.keda.sh", "CloudEventSource", ["v1alpha1"]),
      crd("challenges.acme.cert-manager.io", "acme.cert-manager.io", "Challenge", ["v1"]),
    ];
    const { selected, problems } = selectCrds([{ group: "keda.sh", version: "v1alpha1", kind: "ScaledObject" }], crds);
    assert.deepEqual(
      selected.map((c) => c.name),
      ["scaledjobs.keda.sh", "scaledobjects.keda.sh"],
    );
    assert.deepEqual(problems, []);
  });

  it("names a used kind no module has, and a version its CRD does not serve", () => {
    const crds = [crd("issuers.cert-manager.io", "cert-manager.io", "Issuer", ["v1"])];
    const { problems } = selectCrds(
      [
        { group: "cert-manager.io", version: "v1beta1", kind: "Issuer" },
        { group: "cert-manager.io", version: "v1", kind: "Certificate" },
      ],
      crds,
    );
    assert.deepEqual(problems, [
      "cert-manager.io/v1beta1 Issuer: issuers.cert-manager.io.yaml serves v1, not v1beta1",
      "cert-manager.io/v1 Certificate: no CRD of that group and kind in the operators' modules",
    ]);
  });

  it("parses CRDs from multi-document YAML: served versions only, other kinds skipped, a broken CRD refused", () => {
    const text = [
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-a-crd}",
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: poolers.postgresql.cnpg.io}",
      "spec:\n  group: postgresql.cnpg.io\n  names: {kind: Pooler}\n  versions:\n    - {name: v1, served: true}",
      "    - {name: v1beta1, served: false}",
    ];
    const docs = `${text[0]}\n---\n${text.slice(1).join("\n")}\n`;
    assert.deepEqual(parseCrds("f.yaml", docs), [
      {
        file: "f.yaml",
        name: "poolers.postgresql.cnpg.io",
        group: "postgresql.cnpg.io",
        kind: "Pooler",
        versions: ["v1"],
      },
    ]);
    assert.throws(
      () => parseCrds("g.yaml", "kind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {group: g.io}\n"),
      new Error(
        "g.yaml: a CustomResourceDefinition without metadata.name, spec.group, spec.names.kind or a served version",
      ),
    );
  });

  it("Pulumi.cluster.yaml points at the kubeconfig up.sh writes and sets the test-only switch", () => {
    const root = path.resolve(__dirname, "../..");
    const up = fs.readFileSync(path.join(root, "scripts/cluster/up.sh"), "utf8");
    const stack = fs.readFileSync(path.join(root, "Pulumi.cluster.yaml"), "utf8");
    assert.match(up, /^state="\$root\/out\/cluster"$/m);
    assert.match(up, /^kubeconfig "\$state\/kubeconfig" loom-e2e-admin admin$/m);
    assert.match(stack, /^ {4}kubeconfig: out\/cluster\/kubeconfig$/m);
    assert.match(stack, /^ {4}testOnlySkipAwait: true$/m);
  });
});
