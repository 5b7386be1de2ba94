/** The `loom:kubernetes` settings: every default, and how they follow the profile. */
import * as assert from "node:assert/strict";
import type { Environment } from "../../components/profiles";
import { parseSettings, type Settings, SettingsError } from "../../components/settings";
import { readRawConfig } from "../../components/settings-config";
import { K8S_CLUSTER_CIDRS_DEFAULT, type KubernetesTarget } from "../../components/targets";

const IMAGE = "ghcr.io/example/loom@sha256:1111111111111111111111111111111111111111111111111111111111111111";

function k8sSettings(stack: string, kubernetes: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return parseSettings(
    {
      cloud: "kubernetes",
      domain: "loom.example.com",
      image: IMAGE,
      alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
      backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
      kubernetes,
      ...extra,
    },
    { stack },
  );
}

function k8sTarget(env: Environment | string, kubernetes: Record<string, unknown> = {}, extra = {}): KubernetesTarget {
  const { target } = k8sSettings(env, kubernetes, extra) as Settings;
  assert.equal(target.cloud, "kubernetes");
  return target as KubernetesTarget;
}

function problemsOf(stack: string, kubernetes: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  try {
    k8sSettings(stack, kubernetes, extra);
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("kubernetes settings", () => {
  it("work with defaults alone: ambient kubeconfig, a namespace per stack, nginx, Let's Encrypt production", () => {
    assert.deepEqual(k8sTarget("dev"), {
      cloud: "kubernetes",
      kubeconfig: undefined,
      context: undefined,
      renderDir: undefined,
      namespace: "loom-dev",
      installOperators: false,
      ingressClass: "nginx",
      storageClass: undefined,
      clusterIssuer: undefined,
      acmeEmail: "oncall@example.com",
      acmeServer: "production",
      acmeSolver: "http01",
      acmeDnsSecret: undefined,
      clusterCidrs: [...K8S_CLUSTER_CIDRS_DEFAULT],
      mesh: "none",
      operatorNamespaces: {
        ingress: "ingress-nginx",
        monitoring: "monitoring",
        cnpg: "cnpg-system",
        certManager: "cert-manager",
        keda: "keda",
      },
      prometheusRelease: "kube-prometheus-stack",
      prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
      backup: undefined,
      drBackup: undefined,
      tracing: { backend: "jaeger", maxTraces: 10_000 },
      logs: { storageGiB: 50, namespaceRetentionDays: {} },
      database: { activeAppLogin: "a", rotation: { appA: 0, appB: 0, migrate: 0, backup: 0, admin: 0 } },
    });
  });

  it("database: the active app login and each login's rotation epoch, strings coerced, anything else refused by name", () => {
    assert.deepEqual(
      k8sTarget("prod", { database: { activeAppLogin: "b", rotation: { appA: "3", admin: 1 } } }).database,
      {
        activeAppLogin: "b",
        rotation: { appA: 3, appB: 0, migrate: 0, backup: 0, admin: 1 },
      },
    );
    assert.deepEqual(problemsOf("prod", { database: { activeAppLogin: "c" } }), [
      'loom:kubernetes.database.activeAppLogin: "c" is not one of a, b',
    ]);
    assert.deepEqual(problemsOf("prod", { database: { rotation: { appA: -1, appC: 1, migrate: 1.5 } } }), [
      "loom:kubernetes.database.rotation.appA: -1 is too small; minimum is 0",
      "loom:kubernetes.database.rotation.migrate: 1.5 must be a whole number",
      "loom:kubernetes.database.rotation.appC is not a known key; did you mean loom:kubernetes.database.rotation.appA?",
    ]);
  });

  it("database: set on a stack of another cloud, the block is named in a warning, not read", () => {
    const s = parseSettings(
      {
        cloud: "gcp",
        domain: "loom.example.com",
        image: IMAGE,
        kubernetes: { database: { activeAppLogin: "b" } },
      },
      { stack: "dev", providerConfig: { "gcp:project": "acme-loom-dev", "gcp:region": "europe-west1" } },
    );
    assert.deepEqual(s.warnings, [
      'loom:kubernetes is set but loom:cloud is "gcp": it is not read on this stack (it applies with loom:cloud: kubernetes)',
    ]);
  });

  it("logs: Loki's volume and other namespaces' retention, only with installOperators, never the own namespace", () => {
    assert.deepEqual(
      k8sTarget("prod", {
        installOperators: "true",
        logs: { storageGiB: "200", namespaceRetentionDays: { "loom-staging": "30", "loom-dev": 7 } },
      }).logs,
      { storageGiB: 200, namespaceRetentionDays: { "loom-staging": 30, "loom-dev": 7 } },
    );
    assert.deepEqual(problemsOf("prod", { logs: { storageGiB: 100 } }), [
      "loom:kubernetes.logs configures the log pipeline that loom:kubernetes.installOperators installs, which is off; remove it or turn installOperators on",
    ]);
    assert.deepEqual(
      problemsOf("prod", { installOperators: true, logs: { namespaceRetentionDays: { "loom-prod": 7 } } }),
      [
        "loom:kubernetes.logs.namespaceRetentionDays.loom-prod: this stack's own namespace keeps its logs for loom:profile.logRetentionDays; remove it",
      ],
    );
    assert.equal(
      problemsOf("prod", { installOperators: true, logs: { namespaceRetentionDays: { "loom-dev": 0 } } }).length,
      1,
    );
    assert.equal(
      problemsOf("prod", { installOperators: true, logs: { namespaceRetentionDays: { Loom_Dev: 7 } } }).length,
      1,
    );
    assert.equal(problemsOf("prod", { installOperators: true, logs: { storageGiB: 1 } }).length, 1);
    assert.equal(problemsOf("prod", { installOperators: true, logs: { retentionDays: 7 } }).length, 1);
  });

  it("tracing: jaeger by default in every environment; an OTLP endpoint with its auth Secret; none", () => {
    for (const env of ["dev", "staging", "prod"]) {
      assert.deepEqual(k8sTarget(env).tracing, { backend: "jaeger", maxTraces: 10_000 });
    }
    assert.deepEqual(k8sTarget("prod", { tracing: { maxTraces: "50000" } }).tracing, {
      backend: "jaeger",
      maxTraces: 50_000,
    });
    assert.deepEqual(
      k8sTarget("prod", {
        tracing: { backend: "otlp", endpoint: "https://otlp.example.com", authSecret: "loom-otlp-auth" },
      }).tracing,
      { backend: "otlp", endpoint: "https://otlp.example.com", authSecret: "loom-otlp-auth" },
    );
    assert.deepEqual(
      k8sTarget("prod", { tracing: { backend: "otlp", endpoint: "http://tempo-distributor.tracing.svc:4318" } })
        .tracing,
      { backend: "otlp", endpoint: "http://tempo-distributor.tracing.svc:4318" },
    );
    assert.deepEqual(k8sTarget("dev", { tracing: { backend: "none" } }).tracing, { backend: "none" });
  });

  it("tracing: rejects a missing endpoint, clear text outside the cluster, and keys of another backend", () => {
    assert.deepEqual(problemsOf("prod", { tracing: { backend: "otlp" } }), [
      'loom:kubernetes.tracing.endpoint is required when loom:kubernetes.tracing.backend is "otlp"',
    ]);
    assert.deepEqual(problemsOf("prod", { tracing: { backend: "otlp", endpoint: "http://otlp.example.com:4318" } }), [
      'loom:kubernetes.tracing.endpoint: "http://otlp.example.com:4318" sends traces in clear text; use https:// (http:// only for an in-cluster Service, <name>.<namespace>.svc)',
    ]);
    assert.deepEqual(problemsOf("dev", { tracing: { backend: "none", maxTraces: 5000 } }), [
      'loom:kubernetes.tracing.maxTraces only applies to loom:kubernetes.tracing.backend "jaeger" (it is "none"); remove it',
    ]);
    assert.deepEqual(problemsOf("dev", { tracing: { endpoint: "https://otlp.example.com" } }), [
      'loom:kubernetes.tracing.endpoint only applies to loom:kubernetes.tracing.backend "otlp" (it is "jaeger"); remove it',
    ]);
    assert.deepEqual(problemsOf("prod", { tracing: { backend: "otlp", endpoint: "https://key@otlp.example.com" } }), [
      'loom:kubernetes.tracing.endpoint: "https://key@otlp.example.com" must be an OTLP/HTTP base URL such as https://otlp.example.com (no credentials in it: use authSecret)',
    ]);
    assert.equal(problemsOf("dev", { tracing: { maxTraces: 10 } }).length, 1);
    assert.equal(problemsOf("dev", { tracing: { backend: "zipkin" } }).length, 1);
  });

  it("derives the namespace from the stack, not the environment (two prod-profile stacks never share one)", () => {
    assert.equal(k8sTarget("prod").namespace, "loom-prod");
    assert.equal(k8sTarget("local", {}, { environment: "prod" }).namespace, "loom-local");
    assert.equal(k8sTarget("local", { namespace: "loom-prod" }, { environment: "prod" }).namespace, "loom-prod");
  });

  it("rejects a stack name that cannot be a namespace unless loom:kubernetes.namespace is set", () => {
    assert.deepEqual(problemsOf("Feature_X", {}, { environment: "dev" }), [
      'loom:kubernetes.namespace is required: the default namespace "loom-Feature_X" (loom-<stack>) is not a DNS-1123 label',
    ]);
    assert.equal(
      k8sTarget("Feature_X", { namespace: "loom-feature-x" }, { environment: "dev" }).namespace,
      "loom-feature-x",
    );
  });

  it("keeps backups on where the profile has them: a default object store, reported as defaulted", () => {
    assert.equal(k8sTarget("dev").backup, undefined);
    assert.equal(k8sTarget("staging").drBackup, undefined);
    assert.deepEqual(k8sTarget("prod").backup, {
      bucket: "loom-prod-backups",
      path: "loom-prod",
      credentialsSecret: "loom-backup-credentials",
      encryption: "AES256",
      defaulted: true,
    });
  });

  it("adds a second, disaster-recovery store where the profile has DR and backups", () => {
    assert.deepEqual(k8sTarget("prod").drBackup, {
      bucket: "loom-prod-dr-backups",
      path: "loom-prod",
      credentialsSecret: "loom-dr-backup-credentials",
      encryption: "AES256",
      defaulted: true,
    });
    assert.equal(k8sTarget("prod", {}, { profile: { disasterRecovery: false } }).drBackup, undefined);
  });

  it("fills a configured store's optional keys (backup and drBackup alike)", () => {
    const store = { bucket: "acme-dr", credentialsSecret: "s3-dr", endpoint: "https://s3.eu-central-1.amazonaws.com" };
    assert.deepEqual(k8sTarget("prod", { namespace: "review", drBackup: store }).drBackup, {
      endpoint: "https://s3.eu-central-1.amazonaws.com",
      bucket: "acme-dr",
      path: "review",
      region: undefined,
      credentialsSecret: "s3-dr",
      encryption: "AES256",
      defaulted: false,
    });
    assert.deepEqual(
      k8sTarget("dev", { namespace: "review", backup: { bucket: "acme-backups", credentialsSecret: "s3" } }).backup,
      {
        endpoint: undefined,
        bucket: "acme-backups",
        path: "review",
        region: undefined,
        credentialsSecret: "s3",
        encryption: "AES256",
        defaulted: false,
      },
    );
  });

  it("rejects a drBackup the profile cannot use, one without a bucket, and one that is the backup bucket", () => {
    assert.deepEqual(problemsOf("staging", { drBackup: { bucket: "acme-dr", credentialsSecret: "s3" } }), [
      "loom:kubernetes.drBackup is set but loom:profile.disasterRecovery is false (the staging profile or its overrides): a disaster-recovery store needs both on; remove it or turn them on",
    ]);
    assert.deepEqual(problemsOf("prod", { drBackup: { credentialsSecret: "s3" } }), [
      "loom:kubernetes.drBackup.bucket is required when loom:kubernetes.drBackup is set",
    ]);
    const same = { bucket: "acme-backups", credentialsSecret: "s3" };
    assert.deepEqual(problemsOf("prod", { backup: same, drBackup: same }), [
      'loom:kubernetes.drBackup.bucket: "acme-backups" is the backup bucket itself; disaster recovery needs a second object store',
    ]);
  });

  it("accepts render mode and takes the monitoring namespace into Prometheus's URL", () => {
    const t = k8sTarget("prod", { renderDir: "rendered", operatorNamespaces: { monitoring: "observability" } });
    assert.equal(t.renderDir, "rendered");
    assert.equal(t.prometheusUrl, "http://kube-prometheus-stack-prometheus.observability.svc:9090");
  });

  it("an empty kubeconfig says so", () => {
    assert.deepEqual(problemsOf("dev", { kubeconfig: "" }), ['loom:kubernetes.kubeconfig: "" must not be empty']);
  });

  it('coerces "true" as `pulumi config set --path` writes it', () => {
    assert.equal(k8sTarget("dev", { installOperators: "true" }).installOperators, true);
  });

  it("treats Pulumi.yaml's `{}` defaults of the other clouds as unset", () => {
    assert.equal(k8sSettings("dev", {}, { aws: {} }).cloud, "kubernetes");
    const aws = parseSettings(
      { cloud: "aws", domain: "loom.example.com", image: IMAGE, aws: { hostedZoneId: "Z0EXAMPLE" }, kubernetes: {} },
      { stack: "dev", providerConfig: { "aws:region": "eu-west-1" } },
    );
    assert.equal(aws.target.cloud, "aws");
  });

  it("reads loom:kubernetes from Pulumi config as an object", () => {
    assert.deepEqual(readRawConfig({ "loom:kubernetes": '{"renderDir":"rendered"}' }), {
      kubernetes: { renderDir: "rendered" },
    });
  });
});
