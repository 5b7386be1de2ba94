/** The `loom:kubernetes` settings: every default, and how they follow the profile. */
import * as assert from "node:assert/strict";
import { K8S_CLUSTER_CIDRS_DEFAULT, parseSettings, readRawConfig } from "../../components/settings";
import { IMAGE, k8sSettings, k8sTarget } from "./k8s-fixtures";

describe("kubernetes settings", () => {
  it("work with defaults alone: ambient kubeconfig, a namespace per stack, nginx, Let's Encrypt production", () => {
    assert.deepEqual(k8sTarget("dev"), {
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
    });
  });

  it("keeps backups on where the profile has them: a default object store, reported as defaulted", () => {
    assert.equal(k8sTarget("dev").backup, undefined);
    assert.deepEqual(k8sTarget("prod").backup, {
      bucket: "loom-prod-backups",
      path: "loom-prod",
      credentialsSecret: "loom-backup-credentials",
      encryption: "AES256",
      defaulted: true,
    });
  });

  it("fills a configured store's optional keys", () => {
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

  it("accepts render mode and takes the monitoring namespace into Prometheus's URL", () => {
    const t = k8sTarget("prod", { renderDir: "rendered", operatorNamespaces: { monitoring: "observability" } });
    assert.equal(t.renderDir, "rendered");
    assert.equal(t.prometheusUrl, "http://kube-prometheus-stack-prometheus.observability.svc:9090");
  });

  it("treats Pulumi.yaml's `{}` defaults of the other clouds as unset", () => {
    assert.equal(k8sSettings("dev", {}, { aws: {} }).cloud, "kubernetes");
    const aws = parseSettings(
      { cloud: "aws", domain: "loom.example.com", image: IMAGE, aws: { hostedZoneId: "Z0EXAMPLE" }, kubernetes: {} },
      { stack: "dev", providerConfig: { awsRegion: "eu-west-1" } },
    );
    assert.equal(aws.kubernetes, undefined);
  });

  it("reads loom:kubernetes from Pulumi config as an object", () => {
    assert.deepEqual(readRawConfig({ "loom:kubernetes": '{"renderDir":"rendered"}' }), {
      kubernetes: { renderDir: "rendered" },
    });
  });
});
