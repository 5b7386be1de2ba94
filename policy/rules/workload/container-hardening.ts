/**
 * Containers run as non-root, unprivileged, without privilege escalation, with a read-only root filesystem and the
 * Pod Security Standards "restricted" profile (capabilities dropped, seccomp RuntimeDefault, no host namespaces).
 */
import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import type { DropletArgs } from "@pulumi/digitalocean/droplet";
import type { DropletAutoscaleArgs } from "@pulumi/digitalocean/dropletAutoscale";
import { ecsContainers, ecsLabel } from "../../lib/ecs";
import { containersOf, K8S_WORKLOADS, podSpecOf } from "../../lib/k8s";
import { checks, rule } from "../../lib/rule";

interface Config {
  requireReadOnlyRootFilesystem: boolean;
  allowedAddedCapabilities: string[];
}
const on = checks<Config>();
const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

/**
 * Compose settings a droplet's boot config must not carry (the compose file travels inside it as text; a line match
 * is exact enough for these keys, whose only meaning in a compose file is the one named).
 */
const COMPOSE_FORBIDDEN: readonly [RegExp, string][] = [
  [/^\s*privileged:\s*["']?true["']?\s*$/m, "privileged: true"],
  [/^\s*network_mode:\s*["']?host["']?\s*$/m, "network_mode: host (shares the droplet's network namespace)"],
  [/^\s*pid:\s*["']?host["']?\s*$/m, "pid: host"],
  [/^\s*ipc:\s*["']?host["']?\s*$/m, "ipc: host"],
  [/^\s*user:\s*["']?(?:root|0)(?::[^\s"']*)?["']?\s*$/m, "a root user (user: root / 0)"],
  [/(?:^|[\s"'-])\/(?:var\/)?run\/docker\.sock\b/m, "the Docker socket (/var/run/docker.sock: root on the droplet)"],
];

function composeInBootConfig(what: string, userData: unknown, report: (m: string) => void): void {
  if (typeof userData !== "string") return;
  for (const [re, shown] of COMPOSE_FORBIDDEN) {
    if (re.test(userData)) {
      report(
        `${what} boot config runs a container with ${shown}; compose services run as a non-root user, unprivileged, in their own namespaces, without the Docker socket`,
      );
    }
  }
}

export const containerHardening = rule<Config>({
  name: "container-hardening",
  concern: "workload",
  description:
    "Containers run as non-root, unprivileged, with allowPrivilegeEscalation false, a read-only root filesystem, all capabilities dropped, seccomp RuntimeDefault and no host namespaces or hostPath volumes (Kubernetes PSS restricted; ECS task definitions; the compose file in a DigitalOcean droplet's boot config: no privileged, host namespaces, root user or Docker socket).",
  severity: "high",
  enforcementLevel: "advisory",
  remediationSteps:
    'Kubernetes: pod `securityContext { runAsNonRoot: true, runAsUser: <non-zero>, seccompProfile: { type: RuntimeDefault } }` and per container `securityContext { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }` with an emptyDir for /tmp. ECS: `user` set to a non-root UID, `readonlyRootFilesystem: true` (writable volume for /tmp), never `privileged`. DigitalOcean compose (in the boot config): `user: "10001:10001"`, `cap_drop: [ALL]`, `read_only: true`, never `privileged`, `network_mode`/`pid`/`ipc: host` or a docker.sock mount.',
  config: {
    requireReadOnlyRootFilesystem: {
      type: "boolean",
      default: true,
      description: "Require a read-only root filesystem (mount writable volumes for /tmp and caches).",
    },
    allowedAddedCapabilities: {
      type: "array",
      items: { type: "string" },
      default: ["NET_BIND_SERVICE"],
      description:
        "Capabilities a container may add back after dropping ALL (PSS restricted allows only NET_BIND_SERVICE).",
    },
  },
  checks: [
    on<Record<string, unknown>>(K8S_WORKLOADS, (props, ctx) => {
      const spec = podSpecOf(ctx.type, props);
      if (!spec) return;
      const pod = spec.securityContext ?? {};
      for (const flag of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (spec[flag] === true) ctx.report(`pod sets spec.${flag}: true (shares the node's namespace)`);
      }
      for (const v of spec.volumes ?? []) {
        if (v.hostPath) ctx.report(`pod mounts hostPath volume "${v.name}" (node filesystem access)`);
      }
      for (const { container, label } of containersOf(spec)) {
        const sc = container.securityContext ?? {};
        if (sc.privileged === true) ctx.report(`${label} runs privileged (securityContext.privileged: true)`);
        if (sc.allowPrivilegeEscalation !== false) {
          ctx.report(`${label} does not set securityContext.allowPrivilegeEscalation: false`);
        }
        const runAsUser = sc.runAsUser ?? pod.runAsUser;
        if (runAsUser === 0) ctx.report(`${label} runs as UID 0 (runAsUser: 0)`);
        else if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
          ctx.report(`${label} may run as root: set runAsNonRoot: true in the pod or container securityContext`);
        }
        if (ctx.config.requireReadOnlyRootFilesystem && sc.readOnlyRootFilesystem !== true) {
          ctx.report(
            `${label} has a writable root filesystem: set securityContext.readOnlyRootFilesystem: true (emptyDir for /tmp)`,
          );
        }
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
          ctx.report(`${label} does not drop ALL capabilities (securityContext.capabilities.drop: ["ALL"])`);
        }
        const added = (sc.capabilities?.add ?? []).filter((c) => !ctx.config.allowedAddedCapabilities.includes(c));
        if (added.length > 0) ctx.report(`${label} adds capabilities ${added.join(", ")}`);
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!SECCOMP_OK.includes(seccomp ?? "")) {
          ctx.report(
            `${label} has seccompProfile ${JSON.stringify(seccomp ?? null)}: set seccompProfile.type RuntimeDefault (pod or container)`,
          );
        }
      }
    }),
    on<DropletArgs>("digitalocean:index/droplet:Droplet", (d, ctx) =>
      composeInBootConfig("droplet", d.userData, ctx.report),
    ),
    on<DropletAutoscaleArgs>("digitalocean:index/dropletAutoscale:DropletAutoscale", (p, ctx) =>
      composeInBootConfig("autoscale pool template", p.dropletTemplate?.userData, ctx.report),
    ),
    on<TaskDefinitionArgs>("aws:ecs/taskDefinition:TaskDefinition", (td, ctx) => {
      (ecsContainers(td.containerDefinitions) ?? []).forEach((c, i) => {
        const label = ecsLabel(c, i);
        if (c.privileged === true) ctx.report(`${label} runs privileged (privileged: true)`);
        const user = (c.user ?? "").trim();
        const uid = user.split(":")[0] ?? "";
        if (user === "" || uid === "root" || uid === "0") {
          ctx.report(
            `${label} runs as root (user ${JSON.stringify(c.user ?? null)}): set user to a non-root UID such as "10001:10001"`,
          );
        }
        if (ctx.config.requireReadOnlyRootFilesystem && c.readonlyRootFilesystem !== true) {
          ctx.report(`${label} has a writable root filesystem: set readonlyRootFilesystem: true (a volume for /tmp)`);
        }
      });
    }),
  ],
});
