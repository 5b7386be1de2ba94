/**
 * The production Docker Compose file a DigitalOcean droplet runs — STUB written with the contract; the
 * generators helper (H3) implements it. Pure: no Pulumi, no SDK (tests render it for every stack and CI loads the
 * result with compose-go, the Compose Specification loader Docker Compose itself uses).
 *
 * Hardening every app service gets here (one home): `user` non-root, `cap_drop: [ALL]`,
 * `security_opt: [no-new-privileges:true]`, `read_only: true` with a tmpfs /tmp, `deploy.resources.limits`,
 * `restart: unless-stopped`, `stop_grace_period`, rotated logs, no host namespaces, no docker.sock.
 */

export interface ComposeHealthcheck {
  /** `["CMD", "loom", "healthcheck", "--url", …]`: exec form, never a shell, never curl/wget. */
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS: number;
}

export interface ComposeServiceSpec {
  name: string;
  /** Pinned by tag or digest (lib/image-ref.ts). */
  image: string;
  command?: string[];
  /** `uid:gid`, never root. */
  user: string;
  cpus: number;
  memoryMiB: number;
  /** @default 1 */
  replicas?: number;
  /** Plain environment (never a credential: the generator refuses sensitive names, lib/sensitive.ts). */
  environment?: Record<string, string>;
  /** Host env files (0400, assembled from /etc/loom/secrets before compose starts): how credentials reach the app. */
  envFiles?: string[];
  /** Compose `secrets:` mounted at /run/secrets/<name> (file names under /etc/loom/secrets). */
  secrets?: string[];
  /** Only edge services publish. */
  ports?: { published: number; target: number; protocol?: "tcp" | "udp"; hostIp?: string }[];
  healthcheck?: ComposeHealthcheck;
  /** Read-only binds of config files from the host. */
  configs?: { source: string; target: string }[];
  /** Writable named volumes (only for stateful sidecars such as Prometheus' TSDB; never web/worker). */
  volumes?: { name: string; target: string }[];
  /** @default ["/tmp"] */
  tmpfs?: string[];
  /** @default true */
  readOnly?: boolean;
  stopGraceS: number;
  /** e.g. ["migrate"]: not started by `docker compose up`. */
  profiles?: string[];
  dependsOn?: string[];
  /** Capabilities added back after `cap_drop: [ALL]` (e.g. NET_BIND_SERVICE for an edge proxy binding :80). */
  capAdd?: string[];
}

export interface ComposeProjectSpec {
  /** The compose project name (`loom`). */
  name: string;
  services: ComposeServiceSpec[];
}

/** The compose file as YAML text. Throws (naming the service and field) on a spec that breaks a hardening rule. */
export function renderCompose(_spec: ComposeProjectSpec): string {
  throw new Error("renderCompose: not built yet");
}

/** The sum of memory limits (MiB) of the services `docker compose up` starts (those without profiles). */
export function composeMemoryMiB(spec: ComposeProjectSpec): number {
  return spec.services
    .filter((s) => (s.profiles ?? []).length === 0)
    .reduce((sum, s) => sum + s.memoryMiB * (s.replicas ?? 1), 0);
}
