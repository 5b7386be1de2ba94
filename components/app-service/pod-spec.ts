/**
 * Loom's Kubernetes workloads as plain data (pure: tested without mocks): the pod template every tier shares, the
 * autoscalers and the disruption budgets. kubernetes.ts turns them into resources.
 *
 * Every pod: Pod Security "restricted" (non-root uid, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp, read-only root filesystem with an emptyDir /tmp), its own ServiceAccount without a token,
 * requests = limits for cpu, memory and ephemeral-storage, startup/readiness/liveness probes (readiness ≠ liveness),
 * spread over zones and nodes, a preStop pause and a termination grace period for graceful shutdown, plain settings
 * from a ConfigMap and every credential through `secretKeyRef`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppContract } from "../lib/app-contract";
import { invalid } from "../lib/component";
import { imageRefProblem } from "../lib/image-ref";
import {
  CA_MOUNT_PATH,
  cpuQuantity,
  INTERNAL_CA,
  memoryQuantity,
  restrictedContainerSecurity,
  restrictedPodSecurity,
} from "../lib/k8s";
import { queueDepthQuery } from "../lib/metrics";
import type { SecretRef } from "../lib/secrets";
import { isSensitiveEnvName } from "../lib/sensitive";

/** The queue depth KEDA scales the worker on (lib/metrics.ts). */
export { queueDepthQuery };

export type Tier = "web" | "worker" | "migrate";
export type Mesh = "none" | "linkerd" | "istio";

/** Seconds between SIGTERM and SIGKILL: web drains requests; a worker finishes or re-enqueues its review (120 s). */
export const TERMINATION_GRACE_SECONDS: Readonly<Record<Tier, number>> = { web: 60, worker: 150, migrate: 30 };
/**
 * Pause before SIGTERM, so the ingress controller and kube-proxy stop routing to the pod first. Uses the kubelet's
 * `sleep` action (Kubernetes ≥ 1.30): the image needs no `sleep` binary.
 */
export const PRE_STOP_SLEEP_SECONDS: Readonly<Record<Tier, number>> = { web: 10, worker: 5, migrate: 0 };
/** The worker's liveness check (docs/metrics.md: heartbeat fresher than 90 s). */
export const WORKER_HEALTH_COMMAND: readonly string[] = ["loom", "healthcheck", "--worker"];
/** HPA memory target (the profile sets the CPU target). */
export const MEMORY_TARGET_PERCENT = 80;

export interface PodInputs {
  tier: Tier;
  image: string;
  command: string[];
  app: AppContract;
  cpu: number;
  memoryMiB: number;
  ephemeralStorageMiB: number;
  serviceAccountName: pulumi.Input<string>;
  /** Name of the ConfigMap holding the plain environment. */
  configMapName: pulumi.Input<string>;
  /** Environment variables read from Secrets (`secretKeyRef`). */
  secrets: Record<string, SecretRef>;
  /** Plain variables of this tier only (the OTEL_* contract: the service name differs per tier; DATABASE_AUTH). */
  env?: Record<string, pulumi.Input<string>>;
  /** Pod labels (must include the selector labels and the tier label). */
  labels: Record<string, string>;
  /** The workload's selector (topology spread counts these pods). */
  selector: Record<string, string>;
  mesh: Mesh;
  /** Containers run to completion before the tier's own (migrate: the roles step, `rolesInitContainer`). */
  initContainers?: ReturnType<typeof initContainer>[];
}

/** Plain variables, then one `secretKeyRef` per secret (never a value in the manifest). */
function envVars(env: Record<string, pulumi.Input<string>>, secrets: Record<string, SecretRef>) {
  return [
    ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ...Object.entries(secrets).map(([name, ref]) => ({
      name,
      valueFrom: { secretKeyRef: { name: ref.id, key: ref.key ?? name, optional: false } },
    })),
  ];
}

/** The two volumes every container mounts: /tmp and the namespace CA. */
const VOLUME_MOUNTS = [
  { name: "tmp", mountPath: "/tmp" },
  { name: "internal-ca", mountPath: CA_MOUNT_PATH, readOnly: true },
];

export interface InitContainerInputs {
  name: string;
  image: string;
  command: readonly string[];
  app: AppContract;
  /** Sized like the tier's own container (the pod's resources are the larger of the two, not their sum). */
  resources: ReturnType<typeof resourcesFor>;
  configMapName: pulumi.Input<string>;
  env: Record<string, pulumi.Input<string>>;
  secrets: Record<string, SecretRef>;
}

/**
 * A container that runs to completion before the tier's own: the same image, restrictions, resources and volumes,
 * the plain settings, and only the variables and secrets given (the roles step: the admin login and the SQL).
 */
export function initContainer(c: InitContainerInputs) {
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: "IfNotPresent",
    command: [...c.command],
    envFrom: [{ configMapRef: { name: c.configMapName } }],
    env: envVars(c.env, c.secrets),
    resources: c.resources,
    securityContext: restrictedContainerSecurity(c.app.runAsUser),
    volumeMounts: VOLUME_MOUNTS,
  };
}

function meshMetadata(mesh: Mesh, tier: Tier): { annotations: Record<string, string>; labels: Record<string, string> } {
  // A one-off Job never finishes while a sidecar keeps running: migrate opts out of injection.
  const inject = tier !== "migrate";
  if (mesh === "linkerd") return { annotations: { "linkerd.io/inject": inject ? "enabled" : "disabled" }, labels: {} };
  if (mesh === "istio") return { annotations: {}, labels: { "sidecar.istio.io/inject": inject ? "true" : "false" } };
  return { annotations: {}, labels: {} };
}

function probes(tier: Tier, app: AppContract) {
  const http = (path: string) => ({ httpGet: { path, port: "http", scheme: "HTTP" } });
  if (tier === "web") {
    return {
      startupProbe: { ...http(app.healthPath), periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 24 },
      readinessProbe: { ...http(app.readinessPath), periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 3 },
      livenessProbe: { ...http(app.healthPath), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 },
    };
  }
  if (tier === "worker") {
    const heartbeat = { exec: { command: [...WORKER_HEALTH_COMMAND] } };
    return {
      startupProbe: { ...heartbeat, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 12 },
      readinessProbe: { ...http(app.readinessPath), periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 3 },
      livenessProbe: { ...heartbeat, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    };
  }
  return {};
}

/** requests = limits (Guaranteed QoS for memory and cpu; ephemeral storage bounded). */
export function resourcesFor(cpu: number, memoryMiB: number, ephemeralStorageMiB: number) {
  const amounts = {
    cpu: cpuQuantity(cpu),
    memory: memoryQuantity(memoryMiB),
    "ephemeral-storage": memoryQuantity(ephemeralStorageMiB),
  };
  return { requests: amounts, limits: { ...amounts } };
}

/** The pod template of a tier. */
export function podTemplate(p: PodInputs) {
  const problem = imageRefProblem(p.image);
  if (problem) invalid("image", `${JSON.stringify(p.image)} ${problem}`);
  for (const name of Object.keys(p.secrets)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name))
      invalid(`secrets.${name}`, "must be an UPPER_SNAKE environment variable name");
  }
  const mesh = meshMetadata(p.mesh, p.tier);
  const preStop = PRE_STOP_SLEEP_SECONDS[p.tier];
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: p.selector },
    ...(p.tier === "migrate" ? {} : { matchLabelKeys: ["pod-template-hash"] }),
  });
  return {
    metadata: {
      labels: { ...p.labels, ...mesh.labels },
      ...(Object.keys(mesh.annotations).length > 0 ? { annotations: mesh.annotations } : {}),
    },
    spec: {
      serviceAccountName: p.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(p.app.runAsUser),
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS[p.tier],
      ...(p.tier === "migrate" ? { restartPolicy: "Never" } : {}),
      topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
      ...(p.initContainers && p.initContainers.length > 0 ? { initContainers: p.initContainers } : {}),
      containers: [
        {
          name: p.tier,
          image: p.image,
          imagePullPolicy: "IfNotPresent",
          command: p.command,
          ...(p.tier === "migrate" ? {} : { ports: [{ name: "http", containerPort: p.app.port, protocol: "TCP" }] }),
          envFrom: [{ configMapRef: { name: p.configMapName } }],
          env: envVars(p.env ?? {}, p.secrets),
          resources: resourcesFor(p.cpu, p.memoryMiB, p.ephemeralStorageMiB),
          securityContext: restrictedContainerSecurity(p.app.runAsUser),
          ...probes(p.tier, p.app),
          ...(preStop > 0 ? { lifecycle: { preStop: { sleep: { seconds: preStop } } } } : {}),
          volumeMounts: VOLUME_MOUNTS,
        },
      ],
      volumes: [
        { name: "tmp", emptyDir: { sizeLimit: memoryQuantity(Math.max(64, Math.floor(p.ephemeralStorageMiB / 2))) } },
        // Only the CA certificate is projected into the pod (the CA's key stays in the Secret).
        {
          name: "internal-ca",
          secret: { secretName: INTERNAL_CA.secret, items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o444 },
        },
      ],
    },
  };
}

/** Names in a plain environment that look like credentials (must be empty before a ConfigMap is built). */
export function sensitiveNames(env: Record<string, unknown>): string[] {
  return Object.keys(env).filter(isSensitiveEnvName);
}

/**
 * Disruption budget of a tier: at most one pod evicted at a time. It never blocks every disruption (a budget that
 * allows 0 evictions stalls node drains forever) and never lets a drain take the tier below `minReplicas - 1`.
 */
export function pdbSpec(selector: Record<string, string>) {
  return { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

/**
 * Why a budget is inconsistent with the replica range, or undefined: it must allow at least one eviction at the
 * autoscaler's floor, and a `minAvailable` must stay below that floor.
 */
export function pdbProblem(
  pdb: { minAvailable?: number | string; maxUnavailable?: number | string },
  minReplicas: number,
): string | undefined {
  if (pdb.minAvailable !== undefined && pdb.maxUnavailable !== undefined)
    return "sets both minAvailable and maxUnavailable";
  if (typeof pdb.maxUnavailable === "number" && pdb.maxUnavailable < 1) return "maxUnavailable 0 blocks every eviction";
  if (typeof pdb.maxUnavailable === "string" && Number.parseInt(pdb.maxUnavailable, 10) <= 0) {
    return "maxUnavailable 0% blocks every eviction";
  }
  if (typeof pdb.minAvailable === "number" && minReplicas > 0 && pdb.minAvailable >= minReplicas) {
    return `minAvailable ${pdb.minAvailable} ≥ minReplicas ${minReplicas} blocks every eviction at the floor`;
  }
  if (typeof pdb.minAvailable === "string" && pdb.minAvailable.trim() === "100%")
    return "minAvailable 100% blocks every eviction";
  if (pdb.minAvailable === undefined && pdb.maxUnavailable === undefined)
    return "sets neither minAvailable nor maxUnavailable";
  return undefined;
}

/** HPA v2 for web: CPU (profile target) and memory; fast scale-up, slow and gradual scale-down. */
export function hpaSpec(deployment: string, minReplicas: number, maxReplicas: number, targetCpuPercent: number) {
  const utilization = (name: string, averageUtilization: number) => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
    minReplicas,
    maxReplicas,
    metrics: [utilization("cpu", targetCpuPercent), utilization("memory", MEMORY_TARGET_PERCENT)],
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Percent", value: 100, periodSeconds: 60 },
          { type: "Pods", value: 4, periodSeconds: 60 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Min",
        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
      },
    },
  };
}

/**
 * KEDA ScaledObject for the worker: Prometheus scaler on the queue depth, `jobsPerWorker` queued jobs per running
 * worker (the profile value). If Prometheus cannot be read three times in a row, KEDA holds the worker at the
 * `fallback` size instead of scaling blind.
 */
export function scaledObjectSpec(
  deployment: string,
  minReplicas: number,
  maxReplicas: number,
  jobsPerWorker: number,
  prometheusUrl: string,
  namespace: string,
) {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
    minReplicaCount: minReplicas,
    maxReplicaCount: maxReplicas,
    pollingInterval: 30,
    cooldownPeriod: 300,
    fallback: { failureThreshold: 3, replicas: Math.max(minReplicas, Math.ceil(maxReplicas / 2)) },
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
        },
      },
    },
    triggers: [
      {
        type: "prometheus",
        metricType: "AverageValue",
        metadata: {
          serverAddress: prometheusUrl,
          query: queueDepthQuery(namespace),
          threshold: String(jobsPerWorker),
          activationThreshold: "0",
          ignoreNullValues: "false",
        },
      },
    ],
  };
}

/** What the edge enforces besides TLS: the profile's WAF and per-client rate limit. */
export interface EdgeProtection {
  /** ModSecurity with the OWASP Core Rule Set on the web Ingress (AWS: WAFv2 managed rule groups). */
  waf: boolean;
  /** Requests per client IP in 5 minutes (AWS WAF's window); ingress-nginx limits per minute: ceil(n / 5). */
  rateLimitPer5Min: number;
}

/** ingress-nginx's per-minute limit for the profile's per-5-minute one (never below 1). */
export function limitRpm(rateLimitPer5Min: number): number {
  if (!Number.isInteger(rateLimitPer5Min) || rateLimitPer5Min < 1) {
    invalid("rateLimitPer5Min", `must be a whole number of requests ≥ 1, got ${rateLimitPer5Min}`);
  }
  return Math.ceil(rateLimitPer5Min / 5);
}

/**
 * The web Ingress's annotations (ingress-nginx): HTTPS only with HSTS, optional client allow-list, the per-IP
 * rate limit (`limit-rpm`; excess requests get 503, ingress-nginx's `limit-req-status-code`), and with `waf` the
 * ModSecurity module with the OWASP Core Rule Set (no snippet annotations: the engine mode is the controller's,
 * docs/kubernetes.md#waf).
 */
export function ingressAnnotations(ingressCidrs: string[], edge: EdgeProtection): Record<string, string> {
  const open = ingressCidrs.length === 0 || ingressCidrs.includes("0.0.0.0/0");
  return {
    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
    "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
    "nginx.ingress.kubernetes.io/hsts": "true",
    "nginx.ingress.kubernetes.io/hsts-max-age": "31536000",
    "nginx.ingress.kubernetes.io/hsts-include-subdomains": "true",
    ...(open ? {} : { "nginx.ingress.kubernetes.io/whitelist-source-range": ingressCidrs.join(",") }),
    "nginx.ingress.kubernetes.io/limit-rpm": String(limitRpm(edge.rateLimitPer5Min)),
    ...(edge.waf
      ? {
          "nginx.ingress.kubernetes.io/enable-modsecurity": "true",
          "nginx.ingress.kubernetes.io/enable-owasp-core-rules": "true",
        }
      : {}),
  };
}

export const LETS_ENCRYPT = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;
