/**
 * The stack namespace's NetworkPolicies as plain data: deny everything, then allow exactly the flows Loom needs.
 * Pure (no Pulumi), so the rule set is tested without mocks. Tiers are pod labels (`loom/tier`), set by each
 * component on its pods; other namespaces are selected by their automatic `kubernetes.io/metadata.name` label.
 *
 * | from → to | port | why |
 * |---|---|---|
 * | every pod → kube-system | 53 UDP/TCP | DNS |
 * | ingress controller namespace → web | app port | public traffic through the Ingress |
 * | ingress controller namespace → ACME solver pods | 8089 | cert-manager HTTP-01 challenges |
 * | monitoring namespace → app / database pods | app port, 9187, 9127 | Prometheus scrapes |
 * | app → database | 5432 | PostgreSQL (cluster and PgBouncer pooler) |
 * | app → cache | 6379 | Valkey/Redis over TLS |
 * | app → internet (not the cluster ranges) | 443 | LLM APIs |
 * | database ↔ database | 5432, 8000 | replication, pooler → cluster, instance manager status |
 * | CloudNativePG operator namespace → database | 8000 | instance manager status |
 * | database → anywhere | 443, 6443 | Kubernetes API (instance manager) and the backup object store |
 */
import type { networking } from "@pulumi/kubernetes/types/input";
import { NAME_LABEL, TIER_LABEL } from "../lib/k8s";

/** Pod label values of the tiers; `backup` is the logical-backup CronJob's pods (its policies: backups/k8s-job.ts). */
export const TIERS = { app: "app", database: "database", cache: "cache", backup: "backup" } as const;
export const POSTGRES_PORT = 5432;
export const CNPG_STATUS_PORT = 8000;
export const POSTGRES_METRICS_PORT = 9187;
export const PGBOUNCER_METRICS_PORT = 9127;
export const REDIS_PORT = 6379;
export const HTTPS_PORT = 443;
export const KUBE_API_PORT = 6443;
export const ACME_SOLVER_PORT = 8089;

export interface NetworkPolicyInputs {
  appPort: number;
  /** Ranges excluded from the internet egress rule (pods, services, nodes, metadata endpoints). */
  clusterCidrs: string[];
  ingressNamespace: string;
  monitoringNamespace: string;
  cnpgNamespace: string;
}

export interface NetworkPolicySpec {
  /** The policy's name in the namespace. */
  name: string;
  spec: networking.v1.NetworkPolicySpec;
}

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const tier = (t: string) => ({ matchLabels: { [TIER_LABEL]: t } });
const fromTier = (t: string) => ({ podSelector: tier(t) });
const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** Every NetworkPolicy of the namespace; the first one denies all ingress and egress for every pod. */
export function networkPolicies(p: NetworkPolicyInputs): NetworkPolicySpec[] {
  return [...appPolicies(p), ...dataPolicies(p)];
}

/** Deny-all, DNS, and the app tier's flows (from the ingress controller and monitoring, out to data and HTTPS). */
function appPolicies(p: NetworkPolicyInputs): NetworkPolicySpec[] {
  return [
    { name: "default-deny-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "allow-dns",
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [fromNamespace("kube-system")],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    },
    {
      name: "web-from-ingress-controller",
      spec: {
        podSelector: { matchLabels: { [TIER_LABEL]: TIERS.app, [NAME_LABEL]: "web" } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromNamespace(p.ingressNamespace)], ports: tcp(p.appPort) }],
      },
    },
    {
      name: "acme-solver-from-ingress-controller",
      spec: {
        podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromNamespace(p.ingressNamespace)], ports: tcp(ACME_SOLVER_PORT) }],
      },
    },
    {
      name: "app-metrics-from-monitoring",
      spec: {
        podSelector: tier(TIERS.app),
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromNamespace(p.monitoringNamespace)], ports: tcp(p.appPort) }],
      },
    },
    {
      name: "app-egress",
      spec: {
        podSelector: tier(TIERS.app),
        policyTypes: ["Egress"],
        egress: [
          { to: [fromTier(TIERS.database)], ports: tcp(POSTGRES_PORT) },
          { to: [fromTier(TIERS.cache)], ports: tcp(REDIS_PORT) },
          { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...p.clusterCidrs] } }], ports: tcp(HTTPS_PORT) },
        ],
      },
    },
  ];
}

/** The data tiers: who may reach PostgreSQL and Valkey, and where PostgreSQL may go (replication, S3, the API). */
function dataPolicies(p: NetworkPolicyInputs): NetworkPolicySpec[] {
  return [
    {
      name: "database-ingress",
      spec: {
        podSelector: tier(TIERS.database),
        policyTypes: ["Ingress"],
        ingress: [
          { from: [fromTier(TIERS.app)], ports: tcp(POSTGRES_PORT) },
          { from: [fromTier(TIERS.database)], ports: tcp(POSTGRES_PORT, CNPG_STATUS_PORT) },
          { from: [fromNamespace(p.cnpgNamespace)], ports: tcp(CNPG_STATUS_PORT) },
          { from: [fromNamespace(p.monitoringNamespace)], ports: tcp(POSTGRES_METRICS_PORT, PGBOUNCER_METRICS_PORT) },
        ],
      },
    },
    {
      name: "database-egress",
      spec: {
        podSelector: tier(TIERS.database),
        policyTypes: ["Egress"],
        egress: [
          { to: [fromTier(TIERS.database)], ports: tcp(POSTGRES_PORT, CNPG_STATUS_PORT) },
          { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(HTTPS_PORT, KUBE_API_PORT) },
        ],
      },
    },
    {
      name: "cache-from-app",
      spec: {
        podSelector: tier(TIERS.cache),
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromTier(TIERS.app)], ports: tcp(REDIS_PORT) }],
      },
    },
  ];
}
