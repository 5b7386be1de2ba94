/**
 * The pack against the real DigitalOcean program (issue 13 item 8): plan prod on DigitalOcean once (mock engine, as
 * `npm run plan -- --cloud digitalocean`), then remove one guarantee at a time from the planned inputs and check that
 * exactly the expected rule fires, mandatory, on the mutated resource — the rules read the shapes the DO components
 * really produce (droplets, autoscale pool templates with their secret boot config, firewalls, managed PostgreSQL and
 * Valkey, Spaces buckets and keys, the load balancer, alert policies), not only the hand-built fixtures.
 */
import assert from "node:assert/strict";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { packConfigFor, planStack } from "../../scripts/lib/plan";
import { evaluatePolicies } from "../../scripts/lib/policy-runner";
import { policies } from "../harness/fixtures";

// biome-ignore lint/suspicious/noExplicitAny: planned inputs are plain JSON, mutated by path
type Inputs = Record<string, any>;
interface Mutation {
  title: string;
  type: string;
  pick?: (r: PlannedResource) => boolean;
  change?: (inputs: Inputs) => void;
  protect?: boolean;
  policy: string;
}

const T = (x: string) => `digitalocean:index/${x}`;
const named = (part: string) => (r: PlannedResource) => String(r.inputs.name ?? "").includes(part);

const MUTATIONS: Mutation[] = [
  {
    title: "droplet without the metrics agent",
    type: T("droplet:Droplet"),
    change: (i) => {
      i.monitoring = false;
    },
    policy: "host-hardening",
  },
  {
    title: "droplet without SSH keys (root password by e-mail)",
    type: T("droplet:Droplet"),
    change: (i) => {
      i.sshKeys = [];
    },
    policy: "host-hardening",
  },
  {
    title: "droplet on Ubuntu 20.04",
    type: T("droplet:Droplet"),
    change: (i) => {
      i.image = "ubuntu-20-04-x64";
    },
    policy: "host-hardening",
  },
  {
    title: "a compose service on the jobs droplet mounting the Docker socket",
    type: T("droplet:Droplet"),
    pick: named("jobs"),
    change: (i) => {
      i.userData = String(i.userData).replace("source: /etc/loom/ca/server-cas.pem", "source: /var/run/docker.sock");
    },
    policy: "container-hardening",
  },
  {
    title: "web pool template without the droplet agent",
    type: T("dropletAutoscale:DropletAutoscale"),
    change: (i) => {
      i.dropletTemplate.withDropletAgent = false;
    },
    policy: "host-hardening",
  },
  {
    title: "pool boot config turning password SSH on",
    type: T("dropletAutoscale:DropletAutoscale"),
    change: (i) => {
      i.dropletTemplate.userData = String(i.dropletTemplate.userData).replace("ssh_pwauth: false", "ssh_pwauth: true");
    },
    policy: "host-hardening",
  },
  {
    title: "pool boot config without the metadata-service drop",
    type: T("dropletAutoscale:DropletAutoscale"),
    change: (i) => {
      i.dropletTemplate.userData = String(i.dropletTemplate.userData).replaceAll("DOCKER-USER", "FORWARD");
    },
    policy: "host-hardening",
  },
  {
    title: "pool boot config carrying a DigitalOcean API token beside its bootstrap key",
    type: T("dropletAutoscale:DropletAutoscale"),
    change: (i) => {
      i.dropletTemplate.userData = `${i.dropletTemplate.userData}# dop_v1_${"0123456789abcdef".repeat(4)}\n`;
    },
    policy: "no-credential-literals",
  },
  {
    title: "pool without a ceiling",
    type: T("dropletAutoscale:DropletAutoscale"),
    change: (i) => {
      delete i.config.maxInstances;
    },
    policy: "autoscaler-bounded",
  },
  {
    title: "SSH open to the internet",
    type: T("firewall:Firewall"),
    change: (i) => {
      i.inboundRules.push({ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] });
    },
    policy: "no-open-ingress",
  },
  {
    title: "firewall without outbound rules (all egress dropped)",
    type: T("firewall:Firewall"),
    change: (i) => {
      i.outboundRules = [];
    },
    policy: "no-open-ingress",
  },
  {
    title: "PostgreSQL outside the stack's VPC",
    type: T("databaseCluster:DatabaseCluster"),
    pick: (r) => r.inputs.engine === "pg",
    change: (i) => {
      delete i.privateNetworkUuid;
    },
    policy: "database-not-public",
  },
  {
    title: "database firewall trusting the internet",
    type: T("databaseFirewall:DatabaseFirewall"),
    change: (i) => {
      i.rules.push({ type: "ip_addr", value: "0.0.0.0/0" });
    },
    policy: "database-not-public",
  },
  {
    title: "Valkey accepting plaintext",
    type: T("databaseValkeyConfig:DatabaseValkeyConfig"),
    change: (i) => {
      i.ssl = false;
    },
    policy: "datastore-tls-required",
  },
  {
    title: "replica without the Pulumi protect option",
    type: T("databaseReplica:DatabaseReplica"),
    protect: false,
    policy: "deletion-protection",
  },
  {
    title: "Valkey cluster without the Pulumi protect option",
    type: T("databaseCluster:DatabaseCluster"),
    pick: (r) => r.inputs.engine === "valkey",
    protect: false,
    policy: "deletion-protection",
  },
  {
    title: "secrets bucket readable by the internet",
    type: T("spacesBucket:SpacesBucket"),
    pick: named("secrets"),
    change: (i) => {
      i.acl = "public-read";
    },
    policy: "object-storage-private",
  },
  {
    title: "backup bucket force-destroyable",
    type: T("spacesBucket:SpacesBucket"),
    pick: named("backups"),
    change: (i) => {
      i.forceDestroy = true;
    },
    policy: "deletion-protection",
  },
  {
    title: "backup bucket without versioning",
    type: T("spacesBucket:SpacesBucket"),
    pick: named("backups"),
    change: (i) => {
      i.versioning = { enabled: false };
    },
    policy: "backup-retention",
  },
  {
    title: "a full-access Spaces key",
    type: T("spacesKey:SpacesKey"),
    change: (i) => {
      i.grants = [{ bucket: "", permission: "fullaccess" }];
    },
    policy: "least-privilege-identity",
  },
  {
    title: "load balancer serving plain HTTP",
    type: T("loadBalancer:LoadBalancer"),
    change: (i) => {
      i.redirectHttpToHttps = false;
    },
    policy: "https-only-endpoints",
  },
  {
    title: "load balancer https rule without a certificate",
    type: T("loadBalancer:LoadBalancer"),
    change: (i) => {
      for (const r of i.forwardingRules) delete r.certificateName;
    },
    policy: "https-only-endpoints",
  },
  {
    title: "load balancer with the DEFAULT cipher policy",
    type: T("loadBalancer:LoadBalancer"),
    change: (i) => {
      i.tlsCipherPolicy = "DEFAULT";
    },
    policy: "min-tls-version",
  },
  {
    title: "monitor alert posting to a plain-http Slack webhook",
    type: T("monitorAlert:MonitorAlert"),
    change: (i) => {
      i.alerts.slacks = [{ channel: "#loom", url: "http://hooks.slack.com/services/TFAKE/BFAKE/fake" }];
    },
    policy: "notification-endpoints-tls",
  },
];

describe("the pack on the real prod DigitalOcean plan, one guarantee removed at a time", () => {
  let resources: PlannedResource[] = [];
  const config = packConfigFor("prod");

  before(async () => {
    resources = (await planStack({ stack: "prod", cloud: "digitalocean", policy: false })).resources;
  });

  it("starts clean: no violation at any level", async () => {
    assert.deepEqual((await evaluatePolicies(resources, policies, config)).violations, []);
  });

  for (const m of MUTATIONS) {
    it(`${m.title} → ${m.policy} (mandatory in prod)`, async () => {
      const target = resources.find((r) => r.type === m.type && (m.pick ?? (() => true))(r));
      assert.ok(target, `no ${m.type} in the prod plan`);
      const inputs = structuredClone(target.inputs) as Inputs;
      m.change?.(inputs);
      const mutated = { ...target, inputs, protect: m.protect ?? target.protect };
      const { violations } = await evaluatePolicies(
        resources.map((r) => (r === target ? mutated : r)),
        policies,
        config,
      );
      assert.deepEqual(
        violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
        [[m.policy, "mandatory", target.urn]],
        violations.map((v) => v.message).join("\n"),
      );
    });
  }

  it("a database cluster whose trusted-sources firewall is removed → database-not-public (stack check)", async () => {
    const firewall = resources.find((r) => r.type === T("databaseFirewall:DatabaseFirewall"));
    assert.ok(firewall);
    const { violations } = await evaluatePolicies(
      resources.filter((r) => r !== firewall),
      policies,
      config,
    );
    assert.deepEqual(
      violations.map((v) => [v.policy, v.enforcementLevel, v.message]),
      [
        [
          "database-not-public",
          "mandatory",
          "2 DigitalOcean database clusters but trusted-source firewalls for only 1: every cluster needs its own DatabaseFirewall",
        ],
      ],
    );
  });
});
