/**
 * The Valkey StatefulSet's spec as plain data (pure: tested without mocks): one replica, a restricted pod,
 * requests = limits, AOF on a retained PersistentVolumeClaim, TLS, config and auth mounted read-only.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  cpuQuantity,
  memoryQuantity,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  TIER_LABEL,
} from "../lib/k8s";
import type { Tier } from "../profiles";
import {
  AUTH_DIR,
  CACHE_RESOURCES,
  CONFIG_DIR,
  DATA_DIR,
  names,
  READINESS_COMMAND,
  REDIS_PORT,
  TLS_DIR,
  VALKEY_IMAGE,
  VALKEY_UID,
} from "./valkey";

/** Ephemeral storage of the Valkey container (logs, /tmp). */
export const CACHE_EPHEMERAL = "512Mi";

export interface StatefulSetInputs {
  name: string;
  tier: Tier;
  labels: Record<string, string>;
  selector: Record<string, string>;
  serviceAccountName: pulumi.Input<string>;
  configMapName: pulumi.Input<string>;
  storageClass?: string;
}

export function statefulSetSpec(p: StatefulSetInputs) {
  const n = names(p.name);
  const { labels, selector } = p;
  const size = CACHE_RESOURCES[p.tier];
  const resources = {
    cpu: cpuQuantity(size.cpu),
    memory: memoryQuantity(size.memoryMiB),
    "ephemeral-storage": CACHE_EPHEMERAL,
  };
  return {
    serviceName: n.headless,
    replicas: 1,
    selector: { matchLabels: selector },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    updateStrategy: { type: "RollingUpdate" },
    template: {
      metadata: { labels: { ...labels, ...selector, [TIER_LABEL]: "cache" } },
      spec: {
        serviceAccountName: p.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurity(VALKEY_UID),
        terminationGracePeriodSeconds: 30,
        containers: [valkeyContainer(resources)],
        volumes: [
          { name: "config", configMap: { name: p.configMapName } },
          { name: "tls", secret: { secretName: n.tls, defaultMode: 0o440 } },
          {
            name: "auth",
            secret: {
              secretName: n.auth,
              items: [
                { key: "auth.conf", path: "auth.conf" },
                { key: "password", path: "password" },
              ],
              defaultMode: 0o440,
            },
          },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(p.storageClass ? { storageClassName: p.storageClass } : {}),
          resources: { requests: { storage: `${size.storageGiB}Gi` } },
        },
      },
    ],
  };
}

/** The Valkey container: restricted, requests = limits, TCP liveness, an authenticated PING for readiness. */
function valkeyContainer(resources: Record<string, string>) {
  return {
    name: "valkey",
    image: VALKEY_IMAGE,
    imagePullPolicy: "IfNotPresent",
    command: ["valkey-server", `${CONFIG_DIR}/valkey.conf`],
    ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
    resources: { requests: resources, limits: resources },
    securityContext: restrictedContainerSecurity(VALKEY_UID),
    startupProbe: { tcpSocket: { port: "redis" }, periodSeconds: 5, failureThreshold: 60 },
    livenessProbe: {
      tcpSocket: { port: "redis" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
    readinessProbe: {
      exec: { command: [...READINESS_COMMAND] },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    volumeMounts: [
      { name: "data", mountPath: DATA_DIR },
      { name: "config", mountPath: CONFIG_DIR, readOnly: true },
      { name: "tls", mountPath: TLS_DIR, readOnly: true },
      { name: "auth", mountPath: AUTH_DIR, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}
