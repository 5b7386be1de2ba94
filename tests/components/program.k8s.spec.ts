/**
 * The whole program on Kubernetes, per stack (dev, staging, prod: the real Pulumi.<stack>.yaml with --cloud
 * kubernetes, as `npm run plan` runs it): the guarantees a reviewer of a Helm chart or a kube-score/Polaris run looks
 * for, checked on every workload the program creates.
 */

import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { pdbProblem } from "../../components/app-service/pod-spec";
import { labelProblems } from "../../components/lib/k8s";
import { isSensitiveEnvName } from "../../components/lib/sensitive";
import { ALERTS } from "../../components/observability/catalog/alerts";
import { PROFILES } from "../../components/profiles";
import { type PlannedResource, runProgram } from "../../scripts/lib/mock-engine";
import {
  loadStackConfig,
  mandatory,
  type PlanResult,
  planStack,
  ROOT,
  renderTree,
  toJson,
} from "../../scripts/lib/plan";
import { at, ENVS } from "./k8s-fixtures";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const WORKLOADS = [DEPLOYMENT, STATEFULSET, JOB];
const RESOURCES = ["cpu", "memory", "ephemeral-storage"];

const ofType = (p: PlanResult, type: string) => p.resources.filter((r) => r.type === type);
const byName = (p: PlanResult, type: string, name: string): PlannedResource => {
  const found = p.resources.filter((r) => r.type === type && at(r.inputs, "metadata").name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0] as PlannedResource;
};

for (const env of ENVS) {
  describe(`kubernetes program: ${env} (Pulumi.${env}.yaml, --cloud kubernetes)`, () => {
    let plan: PlanResult;
    const profile = PROFILES[env];
    before(async () => {
      plan = await planStack({ stack: env, cloud: "kubernetes" });
    });

    it("plans with zero mandatory loom-guard violations", () => {
      assert.ok(plan.resources.length > 40, `only ${plan.resources.length} resources`);
      assert.deepEqual(
        mandatory(plan).map((v) => `${v.policy}: ${v.urn.split("::").pop()}: ${v.message}`),
        [],
      );
    });

    it("runs every pod under Pod Security restricted with its own token-less ServiceAccount", () => {
      const workloads = plan.resources.filter((r) => WORKLOADS.includes(r.type));
      assert.deepEqual(workloads.map((w) => w.name).sort(), [
        "loom-cache",
        "loom-jaeger",
        "loom-migrate",
        "loom-otel-collector",
        "loom-web",
        "loom-worker",
      ]);
      for (const w of workloads) {
        const spec = at(w.inputs, "spec", "template", "spec");
        const name = `${w.type} ${w.name}`;
        assert.equal(spec.securityContext.runAsNonRoot, true, name);
        assert.deepEqual(spec.securityContext.seccompProfile, { type: "RuntimeDefault" }, name);
        assert.equal(spec.automountServiceAccountToken, false, name);
        assert.ok(
          spec.serviceAccountName && spec.serviceAccountName !== "default",
          `${name} uses the default ServiceAccount`,
        );
        assert.equal(spec.hostNetwork ?? false, false, name);
        for (const c of spec.containers) {
          const sc = c.securityContext;
          assert.equal(sc.allowPrivilegeEscalation, false, `${name}/${c.name}`);
          assert.equal(sc.privileged, false, `${name}/${c.name}`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${name}/${c.name}`);
          assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, `${name}/${c.name}`);
          assert.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, `${name}/${c.name} runAsUser`);
        }
      }
    });

    it("gives every container requests and limits for cpu, memory and ephemeral storage (requests = limits)", () => {
      for (const w of plan.resources.filter((r) => WORKLOADS.includes(r.type))) {
        for (const c of at(w.inputs, "spec", "template", "spec", "containers")) {
          for (const kind of ["requests", "limits"]) {
            assert.deepEqual(
              Object.keys(c.resources[kind]).sort(),
              [...RESOURCES].sort(),
              `${w.name}/${c.name} ${kind}`,
            );
          }
          assert.deepEqual(c.resources.requests, c.resources.limits, `${w.name}/${c.name}`);
        }
      }
    });

    it("sizes web and worker from the profile", () => {
      for (const tier of ["web", "worker"] as const) {
        const c = at(byName(plan, DEPLOYMENT, `loom-${tier}`).inputs, "spec", "template", "spec", "containers", 0);
        const p = profile[tier];
        assert.equal(
          c.resources.limits.memory,
          p.memoryMiB % 1024 === 0 ? `${p.memoryMiB / 1024}Gi` : `${p.memoryMiB}Mi`,
        );
        assert.equal(c.resources.limits.cpu, p.cpu >= 1 ? String(p.cpu) : `${p.cpu * 1000}m`);
      }
    });

    it("probes every long-running container three ways, readiness ≠ liveness", () => {
      for (const w of plan.resources.filter((r) => r.type === DEPLOYMENT || r.type === STATEFULSET)) {
        for (const c of at(w.inputs, "spec", "template", "spec", "containers")) {
          const name = `${w.name}/${c.name}`;
          assert.ok(c.startupProbe, `${name} startupProbe`);
          assert.ok(c.readinessProbe, `${name} readinessProbe`);
          assert.ok(c.livenessProbe, `${name} livenessProbe`);
          assert.notDeepEqual(c.readinessProbe, c.livenessProbe, `${name}: readiness equals liveness`);
        }
      }
    });

    it("rolls out without losing capacity and shuts down gracefully", () => {
      for (const tier of ["web", "worker"]) {
        const d = byName(plan, DEPLOYMENT, `loom-${tier}`);
        assert.equal(at(d.inputs, "spec", "strategy", "rollingUpdate", "maxUnavailable"), 0);
        const spec = at(d.inputs, "spec", "template", "spec");
        assert.ok(spec.terminationGracePeriodSeconds >= 60, tier);
        assert.ok(spec.containers[0].lifecycle.preStop.sleep.seconds > 0, tier);
        assert.deepEqual(
          spec.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey),
          ["topology.kubernetes.io/zone", "kubernetes.io/hostname"],
        );
      }
    });

    it(`${profile.autoscaling ? "leaves replicas to HPA/KEDA" : "runs fixed replicas"}; budgets never block evictions`, () => {
      const hpas = ofType(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
      const scalers = ofType(plan, "kubernetes:keda.sh/v1alpha1:ScaledObject");
      for (const tier of ["web", "worker"] as const) {
        const d = byName(plan, DEPLOYMENT, `loom-${tier}`);
        const replicas = at(d.inputs, "spec").replicas;
        assert.equal(replicas, profile.autoscaling ? undefined : profile[tier].minReplicas, `${tier} replicas`);
        const pdb = byName(plan, "kubernetes:policy/v1:PodDisruptionBudget", `loom-${tier}`);
        assert.equal(pdbProblem(at(pdb.inputs, "spec"), profile[tier].minReplicas), undefined, `${tier} PDB`);
        assert.deepEqual(
          at(pdb.inputs, "spec", "selector", "matchLabels"),
          at(d.inputs, "spec", "selector", "matchLabels"),
        );
      }
      if (profile.autoscaling) {
        assert.equal(hpas.length, 1);
        assert.equal(scalers.length, 1);
        const hpa = at(hpas[0]?.inputs, "spec");
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [profile.web.minReplicas, profile.web.maxReplicas]);
        assert.equal(hpa.scaleTargetRef.name, "loom-web");
        const keda = at(scalers[0]?.inputs, "spec");
        assert.deepEqual(
          [keda.minReplicaCount, keda.maxReplicaCount],
          [profile.worker.minReplicas, profile.worker.maxReplicas],
        );
        assert.equal(keda.triggers[0].metadata.threshold, String(profile.worker.jobsPerWorker));
      } else {
        assert.equal(hpas.length + scalers.length, 0);
      }
    });

    it("isolates the namespace: Pod Security labels and a default-deny policy for ingress and egress", () => {
      const [ns] = ofType(plan, "kubernetes:core/v1:Namespace");
      const labels = at(ns?.inputs, "metadata", "labels");
      assert.equal(at(ns?.inputs, "metadata").name, `loom-${env}`);
      for (const mode of ["enforce", "audit", "warn"])
        assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
      const deny = byName(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny-all");
      assert.deepEqual(at(deny.inputs, "spec"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      assert.equal(ns?.protect, env === "prod");
    });

    it("serves every Ingress host over TLS from a cert-manager certificate for that host", () => {
      const ingresses = ofType(plan, "kubernetes:networking.k8s.io/v1:Ingress");
      assert.equal(ingresses.length, 2);
      const certs = ofType(plan, "kubernetes:cert-manager.io/v1:Certificate");
      for (const ing of ingresses) {
        const spec = at(ing.inputs, "spec");
        const hosts = spec.rules.map((r: { host: string }) => r.host);
        assert.deepEqual(hosts, [loadStackConfig(env).config["loom:domain"]]);
        assert.deepEqual(spec.tls, [{ hosts, secretName: "loom-web-tls" }]);
        assert.equal(
          at(ing.inputs, "metadata", "annotations", "nginx.ingress.kubernetes.io/force-ssl-redirect"),
          "true",
        );
        const cert = certs.find((c) => at(c.inputs, "spec").secretName === "loom-web-tls");
        assert.deepEqual(at(cert?.inputs, "spec", "dnsNames"), hosts);
        assert.equal(at(cert?.inputs, "spec", "issuerRef", "kind"), "ClusterIssuer");
      }
    });

    it("holds no plaintext credential: env only via secretKeyRef, ConfigMaps without sensitive keys, secrets generated", () => {
      for (const w of plan.resources.filter((r) => WORKLOADS.includes(r.type))) {
        for (const c of at(w.inputs, "spec", "template", "spec", "containers")) {
          for (const e of c.env ?? []) {
            if (isSensitiveEnvName(e.name)) {
              assert.equal(e.value, undefined, `${w.name}/${c.name} ${e.name} is a literal`);
              assert.ok(e.valueFrom?.secretKeyRef, `${w.name}/${c.name} ${e.name} is not a secretKeyRef`);
            }
          }
        }
      }
      for (const cm of ofType(plan, "kubernetes:core/v1:ConfigMap")) {
        const sensitive = Object.keys(at(cm.inputs, "data") ?? {}).filter((k) => isSensitiveEnvName(k));
        assert.deepEqual(sensitive, [], `ConfigMap ${cm.name}`);
      }
      for (const s of ofType(plan, "kubernetes:core/v1:Secret")) {
        const data = at(s.inputs, "stringData");
        if (data === undefined) continue; // filled out of band
        for (const key of Object.keys(data)) {
          if (key === "username") continue;
          assert.ok(
            s.secretPaths.includes("stringData") || s.secretPaths.includes(`stringData.${key}`),
            `${s.name}.${key} is not secret`,
          );
        }
      }
      const text = `${renderTree(plan)}\n${JSON.stringify(toJson(plan))}`;
      const cachePassword = at(
        byName(plan, "kubernetes:core/v1:Secret", "loom-cache-auth").inputs,
        "stringData",
        "password",
      );
      assert.equal(text.includes(cachePassword), false, "the cache password shows in the plan");
      assert.equal(ofType(plan, "random:index/randomPassword:RandomPassword").length, 0, "needs the random plugin");
    });

    it("labels every object with labels Kubernetes accepts", () => {
      for (const r of plan.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom)) {
        const labels = at(r.inputs, "metadata").labels ?? {};
        assert.deepEqual(labelProblems(labels), [], `${r.type} ${r.name}`);
      }
    });

    it("labels every pod with the tier the NetworkPolicies select on", () => {
      const policy = (name: string) => byName(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name);
      const selects = (policyName: string, labels: Record<string, string>) => {
        const match = at(policy(policyName).inputs, "spec", "podSelector", "matchLabels");
        for (const [k, v] of Object.entries(match))
          assert.equal(labels[k], v, `${policyName} does not select ${JSON.stringify(labels)}`);
      };
      const podLabels = (type: string, name: string) =>
        at(byName(plan, type, name).inputs, "spec", "template", "metadata", "labels");
      selects("web-from-ingress-controller", podLabels(DEPLOYMENT, "loom-web"));
      for (const tier of ["loom-web", "loom-worker"]) selects("app-egress", podLabels(DEPLOYMENT, tier));
      selects("app-egress", at(ofType(plan, JOB)[0]?.inputs, "spec", "template", "metadata", "labels"));
      selects("cache-from-app", podLabels(STATEFULSET, "loom-cache"));
      const cluster = byName(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster", "loom-db");
      selects("database-ingress", at(cluster.inputs, "spec", "inheritedMetadata", "labels"));
      for (const pooler of ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Pooler")) {
        selects("database-ingress", at(pooler.inputs, "spec", "template", "metadata", "labels"));
      }
    });

    it("points the monitors at the web Service and the worker pods the program creates", () => {
      const service = byName(plan, "kubernetes:core/v1:Service", "loom-web");
      const sm = ofType(plan, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")[0];
      const serviceLabels = at(service.inputs, "metadata", "labels");
      for (const [k, v] of Object.entries(at(sm?.inputs, "spec", "selector", "matchLabels")))
        assert.equal(serviceLabels[k], v, k);
      const workerPods = at(byName(plan, DEPLOYMENT, "loom-worker").inputs, "spec", "template", "metadata", "labels");
      const pm = byName(plan, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "loom-worker");
      for (const [k, v] of Object.entries(at(pm.inputs, "spec", "selector", "matchLabels")))
        assert.equal(workerPods[k], v, k);
      const ports = at(
        byName(plan, DEPLOYMENT, "loom-worker").inputs,
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "ports",
      );
      assert.equal(ports[0].name, at(pm.inputs, "spec", "podMetricsEndpoints", 0, "port"));
    });

    it(`${profile.alerting ? "renders the whole alert catalog" : "creates recording rules but no alert rules"}`, () => {
      const rules = ofType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
      // Recording rules in every environment (the dashboards read them); alerting rules only with alerting.
      assert.equal(rules.length, 1);
      const alerting = at(rules[0]?.inputs, "spec", "groups").flatMap((g: { rules: { alert?: string }[] }) =>
        g.rules.filter((r) => r.alert !== undefined),
      );
      assert.equal(alerting.length, profile.alerting ? ALERTS.length : 0);
      const routes = ofType(plan, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig");
      assert.equal(routes.length, profile.alerting ? 1 : 0);
      if (profile.alerting) {
        assert.match(at(routes[0]?.inputs, "spec", "receivers", 0, "emailConfigs", 0, "to"), /^[^@\s]+@[^@\s]+$/);
      }
    });

    it("builds one Kubernetes provider for the stack, at the root", () => {
      const providers = ofType(plan, "pulumi:providers:kubernetes");
      assert.deepEqual(
        providers.map((p) => p.urn),
        [`urn:pulumi:${env}::loom::pulumi:providers:kubernetes::kubernetes`],
      );
    });

    it("gives migrate its own login only (no cache password, no app keys)", () => {
      const job = ofType(plan, JOB)[0] as PlannedResource;
      const env = at(job.inputs, "spec", "template", "spec", "containers", 0, "env") as {
        name: string;
        valueFrom?: { secretKeyRef?: { name: string } };
      }[];
      const fromSecrets = env
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]);
      assert.deepEqual(fromSecrets, [
        ["DATABASE_USER", "loom-db-login-migrate-r0"],
        ["DATABASE_PASSWORD", "loom-db-login-migrate-r0"],
      ]);
    });

    it(`sizes the CloudNativePG cluster from the profile: ${1 + Number(profile.database.highAvailability) + Number(profile.database.readReplica)} instance(s)`, () => {
      const cluster = byName(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster", "loom-db");
      const { highAvailability, readReplica } = profile.database;
      assert.equal(at(cluster.inputs, "spec", "instances"), 1 + Number(highAvailability) + Number(readReplica));
    });

    it(`${profile.disasterRecovery && profile.backups ? "copies backups to a second object store through a replica cluster" : "has no disaster-recovery copy"}`, () => {
      const dr = profile.disasterRecovery && profile.backups;
      const replicas = plan.resources.filter((r) => r.name === "loom-dr-replica");
      assert.equal(replicas.length, dr ? 1 : 0);
      const drStore = plan.outputs.drBackupStore;
      if (dr) assert.match(String(drStore), /^s3:\/\/.+/);
      else assert.equal(drStore, "");
      if (dr) assert.notEqual(drStore, plan.outputs.backupStore);
    });
  });
}

describe("kubernetes program: render mode (loom:kubernetes.renderDir, as the real engine runs it)", () => {
  it("sends every Kubernetes resource through the one explicit provider, which renders and knows no cluster", async () => {
    const { config, secretKeys } = loadStackConfig("prod");
    for (const key of Object.keys(config)) if (key === "loom:aws" || key.startsWith("aws:")) delete config[key];
    config["loom:cloud"] = "kubernetes";
    config["loom:kubernetes"] = JSON.stringify({ renderDir: "rendered" });
    const providers = new Map<string, unknown>();
    const run = await runProgram({
      project: "loom",
      stack: "prod",
      config,
      secretKeys,
      program: async () => {
        pulumi.runtime.registerStackTransformation((a) => {
          if (a.type.startsWith("kubernetes:")) providers.set(`${a.type}::${a.name}`, a.opts.provider);
          return undefined;
        });
        const entry = path.join(ROOT, "index.ts");
        delete require.cache[require.resolve(entry)];
        return { ...require(entry) };
      },
    });
    const provider = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    assert.equal(provider.length, 1);
    assert.deepEqual(
      {
        render: provider[0]?.inputs.renderYamlToDirectory,
        kubeconfig: provider[0]?.inputs.kubeconfig,
        context: provider[0]?.inputs.context,
      },
      { render: "rendered", kubeconfig: undefined, context: undefined },
    );
    assert.ok(providers.size > 40, `${providers.size} Kubernetes resources`);
    const distinct = new Set(providers.values());
    assert.equal(distinct.size, 1, "every Kubernetes resource uses the same provider");
    assert.ok([...distinct][0] !== undefined, "no Kubernetes resource falls back to the default provider");
  });
});
