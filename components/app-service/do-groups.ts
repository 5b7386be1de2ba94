/**
 * What each DigitalOcean droplet group runs (pure): its compose project (do-workloads.ts, do-edge-proxy.ts), the
 * files and units beside it, the secret files it needs, and the boot config (lib/do-cloud-init.ts) from those plus
 * how secrets arrive and where logs go. web and worker never share a droplet: each group is its own droplet(s).
 */
import type { BootFile, BootSpec, LogShipping, SecretDelivery } from "../lib/do-cloud-init";
import { type ComposeProjectSpec, composeMemoryMiB, renderCompose } from "../lib/do-compose";
import { type EdgeProxyInputs, edgeAcmeUnit, edgeFiles, edgeService } from "./do-edge-proxy";
import { type DropletSlug, dropletSize } from "./do-sizing";
import {
  APP_STOP_GRACE_S,
  appService,
  CA_FILE,
  COMPOSE_PROJECT,
  collectorFile,
  collectorService,
  project,
  ROLES_SERVICE,
  rolesService,
  type WorkloadInputs,
} from "./do-workloads";

export const GROUPS = ["web", "worker", "jobs"] as const;
export type Group = (typeof GROUPS)[number];

/** Secret files of the jobs droplet's log aggregator (its Spaces key on the logs bucket; Ansible pushes them). */
export const LOGS_KEY_FILES = { accessKey: "logs-access-key", secretKey: "logs-secret-key" } as const;
/** The jobs droplet's compose reaches the collector by its service name. */
export const LOCAL_COLLECTOR = "http://collector:4318";

export interface GroupInputs extends WorkloadInputs {
  edge: EdgeProxyInputs;
  /** The server CA bundle (PEM), when the app must be handed one. */
  caPem?: string;
}

export interface GroupRun {
  compose: ComposeProjectSpec;
  envFiles: Record<string, Record<string, string>>;
  files: BootFile[];
  units?: Record<string, string>;
  secretKeys: string[];
  stopGraceS: number;
}

/** The compose project and everything beside it for `group`. */
export function groupRun(group: Group, w: GroupInputs): GroupRun {
  const ca: BootFile[] = w.caPem ? [{ path: CA_FILE.host, content: w.caPem, permissions: "0644" }] : [];
  let run: ReturnType<typeof project>;
  let files: BootFile[] = [...ca];
  let units: Record<string, string> | undefined;
  let extraKeys: string[] = [];
  if (group === "web") {
    run = project([appService(w, "web"), edgeService(w.edge, w.web.cpu)]);
    files = [...files, ...edgeFiles(w.edge, w.app.port)];
    if (!w.edge.behindLoadBalancer) units = edgeAcmeUnit(COMPOSE_PROJECT);
  } else if (group === "worker") {
    run = project([appService(w, "worker")]);
  } else {
    const roles = w.roles ? [rolesService(w, w.roles)] : [];
    run = project([collectorService(), appService(w, "migrate", LOCAL_COLLECTOR), ...roles]);
    files = [...files, collectorFile(w.traces)];
    // The host's log aggregator reads the same key (the collector gets it through its env file).
    extraKeys = [LOGS_KEY_FILES.accessKey, LOGS_KEY_FILES.secretKey];
  }
  const fromEnv = Object.values(run.envFiles).flatMap((m) => Object.values(m));
  return {
    compose: run.compose,
    envFiles: run.envFiles,
    files,
    ...(units ? { units } : {}),
    secretKeys: [...new Set([...fromEnv, ...extraKeys])].sort(),
    stopGraceS: Math.max(...run.compose.services.map((s) => s.stopGraceS), APP_STOP_GRACE_S),
  };
}

/**
 * The droplet size for a group: every service's limits, migrate's included on the jobs droplet (it runs beside the
 * collector), even though `docker compose up` does not start it. db-roles is left out: migrate.yml runs it to
 * completion before migrate starts, and its limits are within migrate's (do-workloads.ts rolesService).
 */
export function groupSize(group: Group, run: GroupRun): DropletSlug {
  const all = run.compose.services.filter((s) => s.name !== ROLES_SERVICE);
  const cpus = all.reduce((sum, s) => sum + s.cpus * (s.replicas ?? 1), 0);
  const memory =
    group === "jobs" ? all.reduce((sum, s) => sum + s.memoryMiB * (s.replicas ?? 1), 0) : composeMemoryMiB(run.compose);
  return dropletSize(group === "jobs" ? "web.memoryMiB" : `${group}.memoryMiB`, Math.round(cpus * 100) / 100, memory);
}

/** The boot config spec of a group's droplet. */
export function groupBoot(group: Group, run: GroupRun, delivery: SecretDelivery, logs: LogShipping): BootSpec {
  return {
    role: group,
    compose: renderCompose(run.compose),
    stopGraceS: run.stopGraceS,
    secretKeys: run.secretKeys,
    secretDelivery: delivery,
    envFiles: run.envFiles,
    logShipping: logs,
    files: run.files,
    ...(run.units ? { units: run.units } : {}),
  };
}
