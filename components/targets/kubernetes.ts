/**
 * The Kubernetes target: `loom:kubernetes` (docs/kubernetes.md). Pure: zod only, no SDK. Rules: render mode
 * (`renderDir`) excludes `kubeconfig`/`context`; an existing `clusterIssuer` excludes the ACME keys; the DNS-01 solver
 * needs its token Secret; `clusterCidrs` may not hold /0; a configured `backup` or `drBackup` store needs `bucket` and
 * `credentialsSecret`; each `tracing` key only with its backend, an `otlp` endpoint required and https:// unless it is
 * an in-cluster Service. Defaults: namespace `loom-<stack>`, tracing `jaeger`; where the profile has backups and the
 * stack sets no store, a default one (`defaulted: true`); likewise `drBackup` where the profile also has disaster
 * recovery. `testOnlySkipAwait` only in the e2e control plane's stack.
 */
import { z } from "zod";
import { fit as fitName } from "../naming";
import { databaseLogins, type KubernetesDatabaseLogins } from "./kubernetes-database";
import { imageVerification, type KubernetesImageVerification } from "./kubernetes-image-verification";
import type { TargetContext, TargetSpec } from "./spec";
import { bool, cidr, DNS_LABEL, dnsLabel, dnsSubdomain, email, int, show } from "./values";

/** The ranges of a typical cluster (pods, services, nodes, CGNAT pod ranges, link-local metadata endpoints). */
export const K8S_CLUSTER_CIDRS_DEFAULT: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
];

/** Where Kubernetes backups go (CloudNativePG Barman Cloud plugin, S3-compatible). */
export interface KubernetesBackupSettings {
  /** S3-compatible endpoint; undefined = AWS S3. */
  endpoint?: string;
  bucket: string;
  /** Prefix inside the bucket. */
  path: string;
  region?: string;
  /** Secret in the stack's namespace with ACCESS_KEY_ID and ACCESS_SECRET_KEY (created out of band). */
  credentialsSecret: string;
  encryption: "AES256" | "aws:kms" | "none";
  /** No store set but the profile needs one: defaults, credentials Secret created empty (docs/kubernetes.md#backups). */
  defaulted: boolean;
}

/** Traces kept by the in-namespace Jaeger (in memory) unless `loom:kubernetes.tracing.maxTraces` says otherwise. */
export const DEFAULT_JAEGER_MAX_TRACES = 10_000;

/**
 * Where the stack's OpenTelemetry Collector sends traces (docs/observability.md#traces-on-kubernetes): `jaeger` = a
 * Jaeger all-in-one in the namespace (in memory, bounded by `maxTraces`); `otlp` = an existing OTLP/HTTP endpoint
 * (Tempo, durable Jaeger, a vendor), optional `authorization` header from a Secret; `none` = no collector, no traces.
 */
export type KubernetesTracing =
  | { backend: "jaeger"; maxTraces: number }
  | { backend: "otlp"; endpoint: string; authSecret?: string }
  | { backend: "none" };

/** Loki's volume when `loom:kubernetes.logs.storageGiB` is not set. */
export const DEFAULT_LOKI_STORAGE_GIB = 50;

/**
 * The log pipeline `installOperators` adds (Loki + a node agent, docs/logging.md#kubernetes). Retention is cluster-wide:
 * the stack's `logRetentionDays` by default, `namespaceRetentionDays` for other stacks' namespaces in the cluster.
 */
export interface KubernetesLogs {
  /** Size of Loki's volume (GiB, the `storageClass`). */
  storageGiB: number;
  /** Retention (days) of other namespaces' logs, by namespace. */
  namespaceRetentionDays: Readonly<Record<string, number>>;
}

/** The Kubernetes target, every default applied (docs/kubernetes.md). */
export interface KubernetesTarget {
  cloud: "kubernetes";
  /** Kubeconfig path or content; undefined = the ambient kubeconfig ($KUBECONFIG or ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  /** Render mode: manifests are written here and no cluster is contacted. */
  renderDir?: string;
  /** The stack's namespace (default `loom-<stack>`). */
  namespace: string;
  /**
   * Install cert-manager, CloudNativePG (+ Barman Cloud plugin), KEDA, ingress-nginx, kube-prometheus-stack, and
   * the log pipeline (Loki + the node log agent, created by Observability: it needs the profile's retention).
   */
  installOperators: boolean;
  ingressClass: string;
  /** undefined = the cluster's default StorageClass. */
  storageClass?: string;
  /** An existing ClusterIssuer; undefined = the program creates a Let's Encrypt ClusterIssuer for this stack. */
  clusterIssuer?: string;
  acmeEmail?: string;
  acmeServer: "production" | "staging";
  acmeSolver: "http01" | "dns01-cloudflare";
  acmeDnsSecret?: string;
  /** Cluster-internal ranges, excluded from the internet egress rule. */
  clusterCidrs: string[];
  mesh: "none" | "linkerd" | "istio";
  operatorNamespaces: { ingress: string; monitoring: string; cnpg: string; certManager: string; keda: string };
  prometheusUrl: string;
  prometheusRelease: string;
  /**
   * The object store for WAL and base backups. Defaulted when the profile has backups and the stack sets none;
   * undefined (no archive, no point-in-time recovery, no scheduled backups) only when backups are off.
   */
  backup?: KubernetesBackupSettings;
  /**
   * A second object store for disaster recovery (a copy of the backups outside the primary store). Defaulted when
   * the profile has disaster recovery and backups and the stack sets none; undefined when either is off.
   */
  drBackup?: KubernetesBackupSettings;
  tracing: KubernetesTracing;
  logs: KubernetesLogs;
  /** Admit only images signed by this identity (a Kyverno ClusterPolicy); undefined = off (the default). */
  imageVerification?: KubernetesImageVerification;
  /** The CloudNativePG logins: the active app login and each password's rotation epoch (kubernetes-database.ts). */
  database: KubernetesDatabaseLogins;
  /** TEST ONLY: annotate workloads `pulumi.com/skipAwait` (lib/k8s-skip-await.ts); absent when off (always). */
  testOnlySkipAwait?: true;
}

const backupSchema = z
  .object({
    endpoint: z
      .string()
      .regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an https:// URL (the object store's TLS endpoint)"),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 of a-z 0-9 . -"),
    path: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, "must be a relative object prefix such as loom/prod"),
    region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region name such as eu-west-1"),
    credentialsSecret: dnsSubdomain(),
    encryption: z.enum(["AES256", "aws:kms", "none"]),
  })
  .partial()
  .strict();

const tracingSchema = z
  .object({
    backend: z.enum(["jaeger", "otlp", "none"]),
    endpoint: z
      .string()
      .regex(
        /^https?:\/\/[^\s/:@]+(:\d{1,5})?(\/[^\s]*)?$/,
        "must be an OTLP/HTTP base URL such as https://otlp.example.com (no credentials in it: use authSecret)",
      ),
    authSecret: dnsSubdomain(),
    maxTraces: int(1_000, 1_000_000),
  })
  .partial()
  .strict();

const logsSchema = z
  .object({
    storageGiB: int(5, 10_000),
    // Loki's compactor applies retention of at least 24 h.
    namespaceRetentionDays: z.record(dnsLabel(), int(1, 3650)),
  })
  .partial()
  .strict();

const OPERATOR_NAMESPACES = ["ingress", "monitoring", "cnpg", "certManager", "keda"] as const;
type OperatorNamespaceShape = Record<(typeof OPERATOR_NAMESPACES)[number], ReturnType<typeof dnsLabel>>;
const schema = z
  .object({
    kubeconfig: z.string().min(1, "must not be empty"),
    context: z.string().min(1, "must not be empty"),
    renderDir: z.string().regex(/^[^\0]{1,1024}$/, "must be a directory path"),
    namespace: dnsLabel(),
    installOperators: bool(),
    ingressClass: dnsSubdomain(),
    storageClass: dnsSubdomain(),
    clusterIssuer: dnsSubdomain(),
    acmeEmail: email(),
    acmeServer: z.enum(["production", "staging"]),
    acmeSolver: z.enum(["http01", "dns01-cloudflare"]),
    acmeDnsSecret: dnsSubdomain(),
    clusterCidrs: z.array(cidr).min(1, "must list at least one CIDR"),
    mesh: z.enum(["none", "linkerd", "istio"]),
    operatorNamespaces: z
      .object(Object.fromEntries(OPERATOR_NAMESPACES.map((n) => [n, dnsLabel()])) as OperatorNamespaceShape)
      .partial()
      .strict(),
    prometheusUrl: z.string().regex(/^https?:\/\/[^\s/]+(:\d+)?(\/[^\s]*)?$/, "must be an http(s):// URL"),
    prometheusRelease: dnsLabel(),
    backup: backupSchema,
    drBackup: backupSchema,
    tracing: tracingSchema,
    logs: logsSchema,
    imageVerification: imageVerification.schema,
    database: databaseLogins.schema,
    testOnlySkipAwait: bool(),
  })
  .partial()
  .strict();

type Config = z.output<typeof schema>;
type BackupConfig = z.output<typeof backupSchema>;
const key = (name: string) => `loom:kubernetes.${name}`;

/** Keys that contradict each other (render mode vs. a cluster, an existing issuer vs. ACME settings). */
function checkExclusions(k: Config, problems: string[]): void {
  if (k.renderDir !== undefined) {
    for (const name of ["kubeconfig", "context"] as const) {
      if (k[name] === undefined) continue;
      problems.push(
        `${key(name)} cannot be set with ${key("renderDir")} (render mode writes manifests and talks to no cluster); remove one of them`,
      );
    }
  }
  if (k.clusterIssuer !== undefined) {
    for (const name of ["acmeEmail", "acmeServer", "acmeSolver", "acmeDnsSecret"] as const) {
      if (k[name] === undefined) continue;
      problems.push(
        `${key(name)} configures the ClusterIssuer the program creates, but ${key("clusterIssuer")} names an existing one; remove one of them`,
      );
    }
  }
  if (k.acmeSolver === "dns01-cloudflare" && k.acmeDnsSecret === undefined) {
    problems.push(
      `${key("acmeDnsSecret")} is required when ${key("acmeSolver")} is "dns01-cloudflare" (a Secret in cert-manager's namespace with the key api-token)`,
    );
  }
  (k.clusterCidrs ?? []).forEach((c, i) => {
    if (!c.endsWith("/0")) return;
    problems.push(
      `${key("clusterCidrs")}[${i}]: ${show(c)} would exclude the whole internet from the egress rule; list the cluster's own ranges`,
    );
  });
}

/**
 * A store: the configured one (its optional keys filled), the default one when `needed` (bucket
 * `<namespace>-<suffix>`, credentials Secret `loom-<secretPrefix>-credentials`), or undefined.
 */
function store(
  name: "backup" | "drBackup",
  given: BackupConfig | undefined,
  needed: boolean,
  namespace: string,
  problems: string[],
): KubernetesBackupSettings | undefined {
  const stem = name === "backup" ? "backup" : "dr-backup";
  if (given === undefined) {
    if (!needed) return undefined;
    // Backups are not traded away because a key is missing: a default store, loudly reported at deploy time.
    return {
      bucket: fitName(`${namespace}-${stem}s`, 63),
      path: namespace,
      credentialsSecret: `loom-${stem}-credentials`,
      encryption: "AES256",
      defaulted: true,
    };
  }
  for (const field of ["bucket", "credentialsSecret"] as const) {
    if (given[field] === undefined) problems.push(`${key(`${name}.${field}`)} is required when ${key(name)} is set`);
  }
  return {
    endpoint: given.endpoint,
    bucket: given.bucket ?? "",
    path: given.path ?? namespace,
    region: given.region,
    credentialsSecret: given.credentialsSecret ?? "",
    encryption: given.encryption ?? "AES256",
    defaulted: false,
  };
}

/** The backup stores the profile allows, and the rules between them. */
function stores(k: Config, namespace: string, ctx: TargetContext) {
  const { backups, disasterRecovery } = ctx.profile;
  const off = [!backups && "loom:profile.backups", !disasterRecovery && "loom:profile.disasterRecovery"].filter(
    Boolean,
  );
  if (k.drBackup !== undefined && off.length > 0) {
    ctx.problems.push(
      `${key("drBackup")} is set but ${off.join(" and ")} is false (the ${ctx.environment} profile or its overrides): a disaster-recovery store needs both on; remove it or turn them on`,
    );
  }
  const backup = store("backup", k.backup, backups, namespace, ctx.problems);
  const drBackup =
    backups && disasterRecovery ? store("drBackup", k.drBackup, true, namespace, ctx.problems) : undefined;
  if (backup && drBackup && backup.bucket === drBackup.bucket && backup.endpoint === drBackup.endpoint) {
    ctx.problems.push(
      `${key("drBackup.bucket")}: ${show(drBackup.bucket)} is the backup bucket itself; disaster recovery needs a second object store`,
    );
  }
  return { backup, drBackup };
}

/** The trace backend: jaeger by default; each key only with the backend it configures. */
function tracingOf(t: z.output<typeof tracingSchema> | undefined, problems: string[]): KubernetesTracing {
  const backend = t?.backend ?? "jaeger";
  const only = (name: "endpoint" | "authSecret" | "maxTraces", wanted: KubernetesTracing["backend"]) => {
    if (t?.[name] !== undefined && backend !== wanted) {
      problems.push(
        `${key(`tracing.${name}`)} only applies to ${key("tracing.backend")} "${wanted}" (it is "${backend}"); remove it`,
      );
    }
  };
  only("endpoint", "otlp");
  only("authSecret", "otlp");
  only("maxTraces", "jaeger");
  if (backend === "none") return { backend };
  if (backend === "jaeger") return { backend, maxTraces: t?.maxTraces ?? DEFAULT_JAEGER_MAX_TRACES };
  const endpoint = t?.endpoint;
  if (endpoint === undefined) {
    problems.push(`${key("tracing.endpoint")} is required when ${key("tracing.backend")} is "otlp"`);
  } else if (endpoint.startsWith("http://") && !/^http:\/\/[^/:]+\.svc(\.cluster\.local)?(:|\/|$)/.test(endpoint)) {
    problems.push(
      `${key("tracing.endpoint")}: ${show(endpoint)} sends traces in clear text; use https:// (http:// only for an in-cluster Service, <name>.<namespace>.svc)`,
    );
  }
  return { backend, endpoint: endpoint ?? "", ...(t?.authSecret ? { authSecret: t.authSecret } : {}) };
}

/** The log pipeline's settings: only with `installOperators` (nothing else installs it), never for the own namespace. */
function logsOf(k: Config, namespace: string, problems: string[]): KubernetesLogs {
  const l = k.logs ?? {};
  if (k.logs !== undefined && k.installOperators !== true) {
    problems.push(
      `${key("logs")} configures the log pipeline that ${key("installOperators")} installs, which is off; remove it or turn installOperators on`,
    );
  }
  const retention = l.namespaceRetentionDays ?? {};
  if (namespace in retention) {
    problems.push(
      `${key(`logs.namespaceRetentionDays.${namespace}`)}: this stack's own namespace keeps its logs for loom:profile.logRetentionDays; remove it`,
    );
  }
  return { storageGiB: l.storageGiB ?? DEFAULT_LOKI_STORAGE_GIB, namespaceRetentionDays: retention };
}

/** `testOnlySkipAwait` (TEST ONLY, docs/cluster.md): only in this stack, with up.sh's kubeconfig, never with operators. */
export const SKIP_AWAIT_TEST_STACK = "cluster";
export const SKIP_AWAIT_TEST_KUBECONFIG = "out/cluster/kubeconfig";
function checkTestOnlySkipAwait(k: Config, ctx: TargetContext): void {
  if (k.testOnlySkipAwait !== true) return;
  const what = `${key("testOnlySkipAwait")} is TEST ONLY (workloads are reported created before they are ready)`;
  const problems = [
    ctx.stack !== SKIP_AWAIT_TEST_STACK &&
      `it is allowed only in the stack ${show(SKIP_AWAIT_TEST_STACK)} (npm run e2e:cluster), not in ${show(ctx.stack)}; remove it`,
    k.kubeconfig !== SKIP_AWAIT_TEST_KUBECONFIG &&
      `${key("kubeconfig")} must be ${show(SKIP_AWAIT_TEST_KUBECONFIG)} (the e2e control plane, scripts/cluster/up.sh) with it, not ${show(k.kubeconfig)}`,
    k.installOperators === true &&
      `it cannot be set with ${key("installOperators")} (the charts' workloads would not be annotated); remove one of them`,
  ];
  for (const p of problems) if (p) ctx.problems.push(`${what}: ${p}`);
}

function namespaceOf(k: Config, ctx: TargetContext): string {
  if (k.namespace !== undefined) return k.namespace;
  const namespace = `${ctx.project}-${ctx.stack}`;
  if (!DNS_LABEL.test(namespace)) {
    ctx.problems.push(
      `${key("namespace")} is required: the default namespace ${show(namespace)} (loom-<stack>) is not a DNS-1123 label`,
    );
  }
  return namespace;
}

export const kubernetesTarget = {
  cloud: "kubernetes",
  schema,
  providerKeys: [],
  resolve(k, ctx): KubernetesTarget {
    checkExclusions(k, ctx.problems);
    checkTestOnlySkipAwait(k, ctx);
    const namespace = namespaceOf(k, ctx);
    const ns = k.operatorNamespaces ?? {};
    const monitoring = ns.monitoring ?? "monitoring";
    return {
      cloud: "kubernetes",
      kubeconfig: k.kubeconfig,
      context: k.context,
      renderDir: k.renderDir,
      namespace,
      installOperators: k.installOperators ?? false,
      ingressClass: k.ingressClass ?? "nginx",
      storageClass: k.storageClass,
      clusterIssuer: k.clusterIssuer,
      // Let's Encrypt no longer needs an account e-mail; the alert address is the natural contact when there is one.
      acmeEmail: k.acmeEmail ?? (k.clusterIssuer === undefined ? ctx.alertEmail : undefined),
      acmeServer: k.acmeServer ?? "production",
      acmeSolver: k.acmeSolver ?? "http01",
      acmeDnsSecret: k.acmeDnsSecret,
      clusterCidrs: k.clusterCidrs ?? [...K8S_CLUSTER_CIDRS_DEFAULT],
      mesh: k.mesh ?? "none",
      operatorNamespaces: {
        ingress: ns.ingress ?? "ingress-nginx",
        monitoring,
        cnpg: ns.cnpg ?? "cnpg-system",
        certManager: ns.certManager ?? "cert-manager",
        keda: ns.keda ?? "keda",
      },
      prometheusRelease: k.prometheusRelease ?? "kube-prometheus-stack",
      prometheusUrl: k.prometheusUrl ?? `http://kube-prometheus-stack-prometheus.${monitoring}.svc:9090`,
      ...stores(k, namespace, ctx),
      tracing: tracingOf(k.tracing, ctx.problems),
      logs: logsOf(k, namespace, ctx.problems),
      ...imageVerification.entry(k.imageVerification, ctx.problems),
      ...databaseLogins.entry(k.database),
      ...(k.testOnlySkipAwait === true ? { testOnlySkipAwait: true as const } : {}),
    };
  },
} satisfies TargetSpec<"kubernetes", typeof schema, KubernetesTarget>;
