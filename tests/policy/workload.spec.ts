/**
 * Beyond the four — workload hardening: container-hardening (PSS restricted for Kubernetes; ECS task definitions).
 */
import { containerHardening } from "../../policy/rules/workload/container-hardening";
import { aws, ecsContainerDefinitions, itFails, itPasses, k8s, mutate } from "../harness/fixtures";

const web = 'container "web"';
const ecs = (change: Record<string, unknown>) => aws.taskDefinition([{ ...ecsContainerDefinitions()[0], ...change }]);

describe("container-hardening", () => {
  itPasses(containerHardening, [
    k8s.deployment(),
    k8s.statefulSet(),
    k8s.daemonSet(),
    k8s.job(),
    k8s.cronJob(),
    k8s.pod(),
    aws.taskDefinition(),
  ]);
  itPasses(
    containerHardening,
    [
      mutate(k8s.deployment(), (d) => {
        const c = d.spec?.template.spec?.containers[0];
        if (c?.securityContext) c.securityContext.readOnlyRootFilesystem = undefined;
      }),
      ecs({ readonlyRootFilesystem: false }),
    ],
    { "container-hardening": { requireReadOnlyRootFilesystem: false } },
    "with a writable root filesystem allowed by config",
  );
  itPasses(
    containerHardening,
    [
      mutate(k8s.deployment(), (d) => {
        const c = d.spec?.template.spec?.containers[0];
        if (c?.securityContext?.capabilities) c.securityContext.capabilities.add = ["NET_BIND_SERVICE"];
      }),
    ],
    {},
    "adding back NET_BIND_SERVICE (allowed by PSS restricted)",
  );

  const container = (change: (sc: Record<string, unknown>) => void) =>
    mutate(k8s.deployment(), (d) => {
      const c = d.spec?.template.spec?.containers[0];
      if (c?.securityContext) change(c.securityContext as Record<string, unknown>);
    });
  itFails(containerHardening, [
    {
      title: "pod on the host network",
      resource: mutate(k8s.deployment(), (d) => {
        if (d.spec?.template.spec) d.spec.template.spec.hostNetwork = true;
      }),
      messages: ["pod sets spec.hostNetwork: true (shares the node's namespace)"],
    },
    {
      title: "pod mounting a hostPath volume",
      resource: mutate(k8s.daemonSet(), (d) => {
        d.spec?.template.spec?.volumes?.push({ name: "docker-sock", hostPath: { path: "/var/run/docker.sock" } });
      }),
      messages: ['pod mounts hostPath volume "docker-sock" (node filesystem access)'],
    },
    {
      title: "privileged container",
      resource: container((sc) => {
        sc.privileged = true;
      }),
      messages: [`${web} runs privileged (securityContext.privileged: true)`],
    },
    {
      title: "container without allowPrivilegeEscalation: false",
      resource: container((sc) => {
        sc.allowPrivilegeEscalation = undefined;
      }),
      messages: [`${web} does not set securityContext.allowPrivilegeEscalation: false`],
    },
    {
      title: "container running as UID 0",
      resource: container((sc) => {
        sc.runAsUser = 0;
      }),
      messages: [`${web} runs as UID 0 (runAsUser: 0)`],
    },
    {
      title: "no runAsNonRoot at pod or container level",
      resource: mutate(k8s.job(), (j) => {
        const spec = j.spec?.template.spec;
        if (spec?.securityContext) spec.securityContext.runAsNonRoot = undefined;
        const c = spec?.containers[0];
        if (c?.securityContext) c.securityContext.runAsNonRoot = undefined;
      }),
      messages: [`${web} may run as root: set runAsNonRoot: true in the pod or container securityContext`],
    },
    {
      title: "writable root filesystem",
      resource: container((sc) => {
        sc.readOnlyRootFilesystem = false;
      }),
      messages: [
        `${web} has a writable root filesystem: set securityContext.readOnlyRootFilesystem: true (emptyDir for /tmp)`,
      ],
    },
    {
      title: "capabilities not dropped",
      resource: container((sc) => {
        sc.capabilities = undefined;
      }),
      messages: [`${web} does not drop ALL capabilities (securityContext.capabilities.drop: ["ALL"])`],
    },
    {
      title: "SYS_ADMIN added back",
      resource: container((sc) => {
        sc.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] };
      }),
      messages: [`${web} adds capabilities SYS_ADMIN`],
    },
    {
      title: "no seccomp profile at pod or container level (init container reported first)",
      resource: mutate(k8s.cronJob(), (cj) => {
        const spec = cj.spec?.jobTemplate.spec?.template.spec;
        if (spec?.securityContext) spec.securityContext.seccompProfile = undefined;
      }),
      messages: [
        'init container "migrate-check" has seccompProfile null: set seccompProfile.type RuntimeDefault (pod or container)',
        `${web} has seccompProfile null: set seccompProfile.type RuntimeDefault (pod or container)`,
      ],
    },
    {
      title: "Unconfined seccomp on the container",
      resource: container((sc) => {
        sc.seccompProfile = { type: "Unconfined" };
      }),
      messages: [`${web} has seccompProfile "Unconfined": set seccompProfile.type RuntimeDefault (pod or container)`],
    },
    {
      title: "ECS container privileged",
      resource: ecs({ privileged: true }),
      messages: [`${web} runs privileged (privileged: true)`],
    },
    {
      title: "ECS container without a user (image default, often root)",
      resource: ecs({ user: undefined }),
      messages: [`${web} runs as root (user null): set user to a non-root UID such as "10001:10001"`],
    },
    {
      title: "ECS container as 0:0",
      resource: ecs({ user: "0:0" }),
      messages: [`${web} runs as root (user "0:0"): set user to a non-root UID such as "10001:10001"`],
    },
    {
      title: "ECS container with a writable root filesystem",
      resource: ecs({ readonlyRootFilesystem: undefined }),
      messages: [`${web} has a writable root filesystem: set readonlyRootFilesystem: true (a volume for /tmp)`],
    },
  ]);
});
