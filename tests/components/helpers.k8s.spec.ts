/**
 * Pure Kubernetes helpers (no mocks): labels, restricted security contexts, quantities, NetworkPolicies, CNPG and
 * Valkey specs, pod templates, autoscalers, disruption budgets, Prometheus rules, backup schedules.
 */
import * as assert from "node:assert/strict";
import {
  hpaSpec,
  ingressAnnotations,
  limitRpm,
  pdbProblem,
  pdbSpec,
  podTemplate,
  queueDepthQuery,
  resourcesFor,
  scaledObjectSpec,
  sensitiveNames,
} from "../../components/app-service/pod-spec";
import { dailyCnpgSchedule, drHourUtc } from "../../components/backups/cnpg-schedule";
import { MAXMEMORY_SHARE, maxMemoryMb, VALKEY_IMAGE, valkeyConf } from "../../components/cache/valkey";
import {
  clusterSpec,
  drReplicaSpec,
  instancesFor,
  names,
  objectStoreSpec,
  PG_HBA,
  poolerSpec,
  postgresImage,
  postgresParameters,
} from "../../components/database/cnpg";
import { APP_DEFAULTS } from "../../components/lib/app-contract";
import { imageRefProblem } from "../../components/lib/image-ref";
import {
  checkovSkips,
  cpuQuantity,
  generatePassword,
  k8sLabels,
  labelKey,
  labelProblems,
  labelValue,
  memoryQuantity,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  shortHash,
} from "../../components/lib/k8s";
import { networkPolicies } from "../../components/network/network-policies";
import { ALERTS, DEFAULT_THRESHOLDS } from "../../components/observability/catalog/alerts";
import { recordingGroups } from "../../components/observability/catalog/rules";
import { DEFAULT_SLO } from "../../components/observability/catalog/slo";
import { alertmanagerConfigSpec, channelSecretKeys } from "../../components/observability/k8s-alertmanager";
import { prometheusRuleSpec, stackScope } from "../../components/observability/k8s-rules";
import { at, IMAGE, PROD_CLUSTER_INPUTS } from "./k8s-fixtures";

describe("kubernetes helpers", () => {
  describe("labels", () => {
    it("keeps valid values and sanitises the rest to what Kubernetes accepts", () => {
      assert.equal(labelValue("loom-prod"), "loom-prod");
      assert.equal(labelValue("team@example.com"), "team-example.com");
      assert.equal(labelValue(`-${"x".repeat(80)}`), "x".repeat(62));
      assert.equal(labelValue(""), "");
      assert.equal(labelKey("cost-center"), "cost-center");
      assert.equal(labelKey("example.com/owner"), "example.com/owner");
      assert.equal(labelKey("team:owner"), "team-owner");
      assert.equal(labelKey("Not A Domain/x"), "Not-A-Domain-x");
    });

    it("turns any tag set into labels with no problem", () => {
      const labels = k8sLabels({ "cost-center": "loom/prod", "a:b=c+d@e": "x y", "example.com/k": "v" });
      assert.deepEqual(labelProblems(labels), []);
      assert.deepEqual(labels, { "cost-center": "loom-prod", "a-b-c-d-e": "x-y", "example.com/k": "v" });
      assert.deepEqual(labelProblems({ "bad key!": "ok", ok: "-bad" }), [
        'label key "bad key!"',
        'label value "-bad" of ok',
      ]);
    });
  });

  describe("Pod Security restricted", () => {
    it("pod and container contexts carry every restricted field", () => {
      assert.deepEqual(restrictedPodSecurity(10001), {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
      });
      assert.deepEqual(restrictedContainerSecurity(10001), {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
    });

    it("refuses root and non-integer uids", () => {
      assert.throws(() => restrictedPodSecurity(0), { propertyPath: "runAsUser" });
      assert.throws(() => restrictedContainerSecurity(1.5), /must be a non-root uid/);
    });
  });

  it("generates alphanumeric passwords of the asked length from the CSPRNG", () => {
    const a = generatePassword(64);
    assert.match(a, /^[A-Za-z0-9]{64}$/);
    assert.notEqual(generatePassword(64), a);
    assert.throws(() => generatePassword(8), { propertyPath: "length" });
    const seen = new Set(generatePassword(4000));
    assert.equal(seen.size, 62, "every alphanumeric character occurs");
  });

  it("converts sizes to Kubernetes quantities", () => {
    assert.deepEqual([0.25, 0.5, 1, 1.5, 2].map(cpuQuantity), ["250m", "500m", "1", "1500m", "2"]);
    assert.deepEqual([512, 1024, 1536, 2048].map(memoryQuantity), ["512Mi", "1Gi", "1536Mi", "2Gi"]);
    assert.throws(() => cpuQuantity(0), { propertyPath: "cpu" });
    assert.throws(() => memoryQuantity(1.5), { propertyPath: "memoryMiB" });
    assert.equal(shortHash("a"), shortHash("a"));
    // Pinned to the values the pre-stableHash implementation produced: the migrate Job's name must not change.
    assert.deepEqual(
      ["a", "", "ghcr.io/x:1", JSON.stringify(["ghcr.io/example/loom:1.0.0", ["loom", "migrate"]])].map(shortHash),
      ["1r9wi7ge", "ztntfp9z", "186tmtp1", "dah2zr1c"],
    );
    assert.notEqual(shortHash("ghcr.io/x:1"), shortHash("ghcr.io/x:2"));
    assert.match(shortHash("anything"), /^[0-9a-z]{8}$/);
  });

  describe("NetworkPolicies", () => {
    const policies = networkPolicies({
      appPort: 8080,
      clusterCidrs: ["10.0.0.0/8", "172.16.0.0/12"],
      ingressNamespace: "ingress-nginx",
      monitoringNamespace: "monitoring",
      cnpgNamespace: "cnpg-system",
    });
    const byName = (n: string) => {
      const p = policies.find((x) => x.name === n);
      assert.ok(p, `no policy ${n}`);
      return at(p, "spec");
    };

    it("starts from deny-all for ingress and egress of every pod", () => {
      assert.equal(policies[0]?.name, "default-deny-all");
      assert.deepEqual(byName("default-deny-all"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("opens the internet to the app only on 443 and never to the cluster ranges", () => {
      const egress = byName("app-egress").egress;
      assert.deepEqual(egress[2], {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      });
      assert.deepEqual(egress[0], {
        to: [{ podSelector: { matchLabels: { "loom/tier": "database" } } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      });
      assert.deepEqual(egress[1], {
        to: [{ podSelector: { matchLabels: { "loom/tier": "cache" } } }],
        ports: [{ protocol: "TCP", port: 6379 }],
      });
    });

    it("lets only the ingress controller reach web, only the app reach the cache", () => {
      assert.deepEqual(byName("web-from-ingress-controller"), {
        podSelector: { matchLabels: { "loom/tier": "app", "app.kubernetes.io/name": "web" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
            ports: [{ protocol: "TCP", port: 8080 }],
          },
        ],
      });
      assert.deepEqual(byName("cache-from-app").ingress, [
        { from: [{ podSelector: { matchLabels: { "loom/tier": "app" } } }], ports: [{ protocol: "TCP", port: 6379 }] },
      ]);
    });

    it("allows DNS to kube-system only, on port 53", () => {
      assert.deepEqual(byName("allow-dns").egress, [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ]);
    });

    it("gives every allow rule a pod selector and a port (no blanket allow)", () => {
      for (const p of policies.slice(1)) {
        const spec = at(p, "spec");
        for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
          assert.ok(rule.ports?.length > 0, `${p.name} has a rule without ports`);
          assert.ok((rule.from ?? rule.to)?.length > 0, `${p.name} has a rule without peers`);
        }
      }
    });
  });

  describe("CloudNativePG", () => {
    const inputs = PROD_CLUSTER_INPUTS;

    it("runs 1 + highAvailability + readReplica instances, whatever the environment", () => {
      assert.equal(instancesFor(false, false), 1);
      assert.equal(instancesFor(true, false), 2);
      assert.equal(instancesFor(false, true), 2);
      assert.equal(instancesFor(true, true), 3);
      assert.equal(clusterSpec({ ...inputs, highAvailability: false, readReplica: false }).instances, 1);
      assert.equal(clusterSpec(inputs).instances, 3);
    });

    it("disaster recovery: a one-instance replica cluster restoring from the primary store, archiving to the second", () => {
      const spec = drReplicaSpec(
        { ...inputs, objectStore: "loom-db-backups" },
        "loom-db-backups",
        "loom-db-dr-backups",
      );
      assert.equal(names("loom").drCluster, "loom-db-dr");
      assert.equal(spec.instances, 1);
      assert.deepEqual(spec.bootstrap, { recovery: { source: "loom-db" } });
      assert.deepEqual(spec.replica, { enabled: true, source: "loom-db" });
      assert.deepEqual(spec.plugins, [
        {
          name: "barman-cloud.cloudnative-pg.io",
          isWALArchiver: true,
          parameters: { barmanObjectName: "loom-db-dr-backups" },
        },
      ]);
      assert.deepEqual(spec.affinity, {
        enablePodAntiAffinity: true,
        topologyKey: "kubernetes.io/hostname",
        podAntiAffinityType: "preferred",
      });
      assert.deepEqual(at(spec, "topologySpreadConstraints", 0, "labelSelector"), {
        matchLabels: { "cnpg.io/cluster": "loom-db-dr" },
      });
    });

    it("pins the operand image to a minor version", () => {
      assert.equal(postgresImage("16"), "ghcr.io/cloudnative-pg/postgresql:16.13-standard-trixie");
      assert.equal(postgresImage("17.2"), "ghcr.io/cloudnative-pg/postgresql:17.2-standard-trixie");
      assert.throws(() => postgresImage("99"), /no pinned minor for PostgreSQL 99/);
      assert.throws(() => postgresImage("sixteen"), /is not a PostgreSQL version/);
    });

    it("requires TLS 1.3, rejects non-TLS clients, has no network superuser, uses the namespace CA", () => {
      const spec = clusterSpec(inputs);
      assert.equal(at(spec, "postgresql", "parameters", "ssl_min_protocol_version"), "TLSv1.3");
      assert.deepEqual(at(spec, "postgresql", "pg_hba"), ["hostnossl all all all reject"]);
      assert.deepEqual([...PG_HBA], ["hostnossl all all all reject"]);
      assert.equal(spec.enableSuperuserAccess, false);
      assert.deepEqual(spec.certificates, {
        serverTLSSecret: "loom-db-server-tls",
        serverCASecret: "loom-internal-ca",
      });
      assert.deepEqual(at(spec, "bootstrap", "initdb"), { database: "loom", owner: "loom_app", dataChecksums: true });
    });

    it("sizes the instances from the tier with requests = limits, and never co-locates two instances", () => {
      const spec = clusterSpec(inputs);
      const amounts = { cpu: "2", memory: "8Gi", "ephemeral-storage": "2Gi" };
      assert.deepEqual(spec.resources, { requests: amounts, limits: amounts });
      assert.deepEqual(spec.storage, { size: "100Gi" });
      assert.deepEqual(spec.affinity, {
        enablePodAntiAffinity: true,
        topologyKey: "kubernetes.io/hostname",
        podAntiAffinityType: "required",
      });
      assert.equal(at(spec, "postgresql", "parameters", "shared_buffers"), "2048MB");
      assert.equal(at(spec, "postgresql", "parameters", "log_min_duration_statement"), "250");
      assert.equal(postgresParameters("small", 500, false)["pg_stat_statements.track"], undefined);
    });

    it("archives WAL through the Barman Cloud plugin only when an object store is given", () => {
      assert.equal(clusterSpec(inputs).plugins, undefined);
      assert.deepEqual(clusterSpec({ ...inputs, objectStore: "loom-db-backups" }).plugins, [
        {
          name: "barman-cloud.cloudnative-pg.io",
          isWALArchiver: true,
          parameters: { barmanObjectName: "loom-db-backups" },
        },
      ]);
    });

    it("describes the object store with retention, compression and server-side encryption", () => {
      const backup = {
        bucket: "loom-backups",
        path: "prod",
        credentialsSecret: "creds",
        encryption: "AES256" as const,
        region: "eu-west-1",
        defaulted: false,
      };
      assert.deepEqual(objectStoreSpec(backup, 14), {
        retentionPolicy: "14d",
        configuration: {
          destinationPath: "s3://loom-backups/prod",
          endpointURL: "https://s3.eu-west-1.amazonaws.com",
          s3Credentials: {
            accessKeyId: { name: "creds", key: "ACCESS_KEY_ID" },
            secretAccessKey: { name: "creds", key: "ACCESS_SECRET_KEY" },
          },
          wal: { compression: "gzip", encryption: "AES256" },
          data: { compression: "gzip", jobs: 2, encryption: "AES256" },
        },
      });
      const minio = objectStoreSpec(
        { ...backup, region: undefined, endpoint: "https://minio.example.com", encryption: "none" },
        7,
      );
      assert.equal(at(minio, "configuration", "endpointURL"), "https://minio.example.com");
      assert.deepEqual(at(minio, "configuration", "wal"), { compression: "gzip" });
    });

    it("runs PgBouncer in transaction mode on restricted pods", () => {
      const spec = poolerSpec({ name: "loom", instances: 3, labels: { "loom/tier": "database" } });
      assert.equal(spec.instances, 3);
      assert.equal(poolerSpec({ name: "loom", instances: 2, labels: {} }).instances, 2);
      assert.equal(at(spec, "pgbouncer", "poolMode"), "transaction");
      const container = at(spec, "template", "spec", "containers", 0);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
      assert.deepEqual(container.resources.limits, { cpu: "250m", memory: "256Mi", "ephemeral-storage": "256Mi" });
    });
  });

  describe("Valkey", () => {
    it("serves TLS only, reads the password from an included file, never evicts the queue", () => {
      const conf = valkeyConf("small").split("\n");
      for (const line of [
        "port 0",
        "tls-port 6379",
        "tls-auth-clients no",
        "appendonly yes",
        "maxmemory-policy noeviction",
        "maxmemory 768mb",
        "include /etc/valkey-auth/auth.conf",
      ]) {
        assert.ok(conf.includes(line), `valkey.conf lacks "${line}"`);
      }
      assert.ok(!conf.some((l) => l.startsWith("requirepass")), "the password must not be in the ConfigMap");
      assert.equal(maxMemoryMb("medium"), 2304);
      assert.equal(imageRefProblem(VALKEY_IMAGE), undefined);
    });
  });

  describe("pod template", () => {
    const inputs = {
      tier: "web" as const,
      image: IMAGE,
      command: ["loom", "serve"],
      app: APP_DEFAULTS,
      cpu: 0.5,
      memoryMiB: 1024,
      ephemeralStorageMiB: 1024,
      serviceAccountName: "loom-web",
      configMapName: "loom-app-config-abc",
      secrets: { DATABASE_PASSWORD: { id: "loom-db-app", key: "password" }, LLM_API_KEY: { id: "loom-app-secrets" } },
      labels: { "app.kubernetes.io/name": "web", "loom/tier": "app" },
      selector: { "app.kubernetes.io/name": "web" },
      mesh: "none" as const,
    };

    it("reads credentials through secretKeyRef only and plain settings from the ConfigMap", () => {
      const c = at(podTemplate(inputs), "spec", "containers", 0);
      assert.deepEqual(c.env, [
        {
          name: "DATABASE_PASSWORD",
          valueFrom: { secretKeyRef: { name: "loom-db-app", key: "password", optional: false } },
        },
        {
          name: "LLM_API_KEY",
          valueFrom: { secretKeyRef: { name: "loom-app-secrets", key: "LLM_API_KEY", optional: false } },
        },
      ]);
      assert.deepEqual(c.envFrom, [{ configMapRef: { name: "loom-app-config-abc" } }]);
    });

    it("refuses an unpinned image", () => {
      assert.throws(() => podTemplate({ ...inputs, image: "ghcr.io/example/loom:latest" }), { propertyPath: "image" });
    });

    it("uses different readiness and liveness checks, and the worker's heartbeat for liveness", () => {
      const web = at(podTemplate(inputs), "spec", "containers", 0);
      assert.equal(web.readinessProbe.httpGet.path, "/readyz");
      assert.equal(web.livenessProbe.httpGet.path, "/healthz");
      const worker = at(podTemplate({ ...inputs, tier: "worker" }), "spec", "containers", 0);
      assert.deepEqual(worker.livenessProbe.exec.command, ["loom", "healthcheck", "--worker"]);
      assert.equal(worker.readinessProbe.httpGet.path, "/readyz");
      const migrate = at(podTemplate({ ...inputs, tier: "migrate" }), "spec");
      assert.equal(migrate.restartPolicy, "Never");
      assert.equal(migrate.containers[0].livenessProbe, undefined);
    });

    it("injects the mesh sidecar into web and worker, never into the migrate Job", () => {
      assert.deepEqual(at(podTemplate({ ...inputs, mesh: "linkerd" }), "metadata", "annotations"), {
        "linkerd.io/inject": "enabled",
      });
      assert.deepEqual(at(podTemplate({ ...inputs, tier: "migrate", mesh: "linkerd" }), "metadata", "annotations"), {
        "linkerd.io/inject": "disabled",
      });
      assert.equal(
        at(podTemplate({ ...inputs, mesh: "istio" }), "metadata", "labels", "sidecar.istio.io/inject"),
        "true",
      );
      assert.equal(at(podTemplate(inputs), "metadata", "annotations"), undefined);
    });

    it("sets requests equal to limits for cpu, memory and ephemeral storage", () => {
      const r = resourcesFor(0.5, 1024, 2048);
      assert.deepEqual(r.requests, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" });
      assert.deepEqual(r.limits, r.requests);
    });

    it("flags sensitive-looking names in a plain environment", () => {
      assert.deepEqual(sensitiveNames({ PORT: "1", DATABASE_PASSWORD: "x", OPENAI_API_KEY: "y" }), [
        "DATABASE_PASSWORD",
        "OPENAI_API_KEY",
      ]);
    });
  });

  describe("disruption budgets and autoscalers", () => {
    it("a budget always allows one eviction and never blocks a drain", () => {
      const pdb = pdbSpec({ a: "b" });
      assert.deepEqual(pdb, {
        maxUnavailable: 1,
        selector: { matchLabels: { a: "b" } },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      });
      for (const min of [1, 2, 3, 12]) assert.equal(pdbProblem(pdb, min), undefined);
    });

    it("pdbProblem catches the budgets that block evictions", () => {
      assert.match(pdbProblem({ maxUnavailable: 0 }, 3) ?? "", /blocks every eviction/);
      assert.match(pdbProblem({ minAvailable: 3 }, 3) ?? "", /minAvailable 3 ≥ minReplicas 3/);
      assert.match(pdbProblem({ minAvailable: "100%" }, 3) ?? "", /100%/);
      assert.equal(pdbProblem({ minAvailable: 2 }, 3), undefined);
    });

    it("HPA scales web on CPU (profile target) and memory", () => {
      const spec = hpaSpec("loom-web", 3, 12, 60);
      assert.deepEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "loom-web" });
      assert.deepEqual([spec.minReplicas, spec.maxReplicas], [3, 12]);
      assert.deepEqual(spec.metrics, [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
      ]);
    });

    it("KEDA scales the worker on queue depth per worker from Prometheus", () => {
      const spec = scaledObjectSpec("loom-worker", 2, 20, 5, "http://prom:9090", "loom-prod");
      assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount], [2, 20]);
      assert.deepEqual(spec.triggers[0]?.metadata, {
        serverAddress: "http://prom:9090",
        query: 'max(sum by (pod) (loom_queue_depth{namespace="loom-prod"}))',
        threshold: "5",
        activationThreshold: "0",
        ignoreNullValues: "false",
      });
      assert.equal(queueDepthQuery("x"), 'max(sum by (pod) (loom_queue_depth{namespace="x"}))');
      assert.deepEqual(spec.fallback, { failureThreshold: 3, replicas: 10 });
    });

    it("the Ingress redirects to HTTPS, sends HSTS, and allow-lists clients only when asked", () => {
      const edge = { waf: false, rateLimitPer5Min: 2000 };
      const open = ingressAnnotations(["0.0.0.0/0"], edge);
      assert.equal(open["nginx.ingress.kubernetes.io/force-ssl-redirect"], "true");
      assert.equal(open["nginx.ingress.kubernetes.io/hsts-max-age"], "31536000");
      assert.equal(open["nginx.ingress.kubernetes.io/whitelist-source-range"], undefined);
      assert.equal(
        ingressAnnotations(["203.0.113.0/24", "198.51.100.0/24"], edge)[
          "nginx.ingress.kubernetes.io/whitelist-source-range"
        ],
        "203.0.113.0/24,198.51.100.0/24",
      );
    });

    it("limits each client to ceil(rateLimitPer5Min / 5) requests a minute, and turns on ModSecurity + CRS with waf", () => {
      assert.deepEqual([2000, 2001, 5, 1].map(limitRpm), [400, 401, 1, 1]);
      assert.throws(() => limitRpm(0), { propertyPath: "rateLimitPer5Min" });
      assert.throws(() => limitRpm(2.5), { propertyPath: "rateLimitPer5Min" });
      const waf = ingressAnnotations(["0.0.0.0/0"], { waf: true, rateLimitPer5Min: 1000 });
      assert.equal(waf["nginx.ingress.kubernetes.io/limit-rpm"], "200");
      assert.equal(waf["nginx.ingress.kubernetes.io/enable-modsecurity"], "true");
      assert.equal(waf["nginx.ingress.kubernetes.io/enable-owasp-core-rules"], "true");
      assert.equal(
        Object.keys(waf).some((k) => k.endsWith("-snippet")),
        false,
        "no snippet annotations (the controller forbids them)",
      );
      const off = ingressAnnotations(["0.0.0.0/0"], { waf: false, rateLimitPer5Min: 1000 });
      assert.equal(off["nginx.ingress.kubernetes.io/enable-modsecurity"], undefined);
    });
  });

  describe("Prometheus rules of one stack", () => {
    const names = {
      namespace: "loom-prod",
      webDeployment: "loom-web",
      workerDeployment: "loom-worker",
      databasePods: "loom-db-[0-9]+",
      databaseContainer: "postgres",
      cacheStatefulSet: "loom-cache",
      cacheContainer: "valkey",
    };
    const options = {
      alerting: true,
      thresholds: DEFAULT_THRESHOLDS,
      slo: DEFAULT_SLO.prod,
      runbookBaseUrl: "https://docs.example.com/loom",
    };

    it("scopes every query to the namespace and the handles' names", () => {
      assert.deepEqual(stackScope(names), {
        namespace: 'namespace="loom-prod"',
        deployments: "loom-web|loom-worker",
        containers: { web: "web", worker: "worker", database: "postgres", cache: "valkey" },
        databasePods: "loom-db-[0-9]+",
        cachePvcs: ".+-loom-cache-[0-9]+",
        cacheMaxmemoryShare: MAXMEMORY_SHARE,
      });
      assert.equal(stackScope({ ...names, webDeployment: "a.web" }).deployments, "a\\\\.web|loom-worker");
    });

    it("keeps the recording rules without alerting, and adds every alert with it, at the stack's namespace", () => {
      const off = prometheusRuleSpec(names, { ...options, alerting: false });
      assert.deepEqual(off.groups, recordingGroups(stackScope(names)));
      const on = prometheusRuleSpec(names, options).groups.at(-1)?.rules ?? [];
      assert.deepEqual(
        on.map((r) => ("alert" in r ? r.labels.loom_alert : "")),
        ALERTS.map((a) => a.id),
      );
      const errors = on.find((r) => "alert" in r && r.alert === "LoomHighErrorRate");
      assert.ok(errors && "alert" in errors);
      assert.equal(errors.labels.namespace, "loom-prod");
      assert.equal(
        errors.annotations.runbook_url,
        "https://docs.example.com/loom/docs/runbooks/alerts.md#high-error-rate",
      );
    });
  });

  it("writes checkov suppressions as numbered annotations, each with a reason checkov can parse", () => {
    assert.deepEqual(checkovSkips({ CKV_K8S_35: "env by contract", CKV_K8S_40: "image user" }), {
      "checkov.io/skip1": "CKV_K8S_35=env by contract",
      "checkov.io/skip2": "CKV_K8S_40=image user",
    });
    assert.throws(() => checkovSkips({ CKV_K8S_35: "" }), /written reason/);
    assert.throws(() => checkovSkips({ CKV_K8S_35: "a=b" }), /without '='/);
    assert.throws(() => checkovSkips({ CKV_AWS_1: "x" }), /CKV_K8S_<n>/);
  });

  it("renders the daily backup hour in CloudNativePG's six-field cron (seconds first), the DR copy an hour later", () => {
    assert.equal(dailyCnpgSchedule(3), "0 0 3 * * *");
    assert.equal(dailyCnpgSchedule(0), "0 0 0 * * *");
    assert.equal(dailyCnpgSchedule(23), "0 0 23 * * *");
    assert.throws(() => dailyCnpgSchedule(24), /0 to 23/);
    assert.throws(() => dailyCnpgSchedule(1.5), /0 to 23/);
    assert.deepEqual([3, 23].map(drHourUtc), [4, 0]);
  });

  it("routes alerts through an AlertmanagerConfig whose credentials are keys of one Secret", () => {
    const settings = {
      channels: [
        { kind: "email" as const, name: "email", to: "oncall@example.com" },
        { kind: "pagerduty" as const, name: "pagerduty", secret: "pd" },
        { kind: "webhook" as const, name: "hook", secret: "pd" },
      ],
      routes: { critical: ["pagerduty"], warning: ["email", "hook"] },
    };
    assert.deepEqual(channelSecretKeys(settings), ["pd"]);
    const spec = alertmanagerConfigSpec(settings, "loom-alert-channels");
    assert.deepEqual(at(spec, "receivers", 1), {
      name: "pagerduty",
      pagerdutyConfigs: [
        {
          routingKey: { name: "loom-alert-channels", key: "pd" },
          sendResolved: true,
          description: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})",
        },
      ],
    });
    assert.deepEqual(
      at(spec, "route", "routes").map((r: { receiver: string }) => r.receiver),
      ["pagerduty", "email", "hook"],
    );
    assert.equal(at(spec, "route", "receiver"), "email");
  });
});
