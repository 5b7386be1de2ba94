import * as assert from "node:assert/strict";
import { Network, type NetworkArgs } from "../../components/network";
import { vpcName } from "../../components/network/digitalocean";
import {
  ANYWHERE,
  DO_FIREWALL_GROUPS,
  firewallPlans,
  inboundRules,
  outboundRules,
} from "../../components/network/do-firewall";
import { PROFILES } from "../../components/profiles";
import { DO_VPC_CIDRS } from "../../components/targets/digitalocean-regions";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { DO_CONFIG, DO_REGION, doTarget, staticDoPlatform, withDoPlatform } from "./do-fixtures";

const VPC = "digitalocean:index/vpc:Vpc";
const TAG = "digitalocean:index/tag:Tag";
const FIREWALL = "digitalocean:index/firewall:Firewall";
type Env = "dev" | "staging" | "prod";

/** Args as index.ts builds them (edgeOnDroplets from !profile.loadBalancer). */
function argsFor(env: Env, over: Partial<NetworkArgs> = {}): NetworkArgs {
  const p = PROFILES[env];
  return {
    platform: staticDoPlatform(doTarget({ adminCidrs: env === "prod" ? ["198.51.100.0/24"] : [] })),
    context: context(env),
    protect: p.deletionProtection,
    cidr: DO_VPC_CIDRS[env],
    zones: p.availabilityZones,
    natGateways: p.natGateways,
    flowLogRetentionDays: p.logRetentionDays,
    ingressCidrs: ["0.0.0.0/0"],
    edgeOnDroplets: !p.loadBalancer,
    ...over,
  };
}

async function build(args: NetworkArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const n = new Network("loom", withDoPlatform(args));
    return { networkId: n.networkId, cidr: n.cidr, zones: n.zones, placement: n.placement, tiers: n.tiers };
  }, DO_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const firewall = (run: ProgramRun, group: string) => inputs(one(run, FIREWALL, `loom-fw-${group}`));
const OUTBOUND = (vpc: string) => [
  { protocol: "tcp", portRange: "443", destinationAddresses: ANYWHERE },
  { protocol: "tcp", portRange: "80", destinationAddresses: ANYWHERE },
  { protocol: "udp", portRange: "53", destinationAddresses: ANYWHERE },
  { protocol: "tcp", portRange: "53", destinationAddresses: ANYWHERE },
  { protocol: "udp", portRange: "123", destinationAddresses: ANYWHERE },
  { protocol: "tcp", portRange: "25060-25061", destinationAddresses: [vpc] },
  { protocol: "tcp", portRange: "4317-4318", destinationAddresses: [vpc] },
  { protocol: "tcp", portRange: "6000", destinationAddresses: [vpc] },
  { protocol: "tcp", portRange: "8889", destinationAddresses: [vpc] },
];

describe("Network on digitalocean", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(argsFor(env));
  });

  it("one VPC per stack with the stack's explicit range, a name of [A-Za-z0-9.-], in the target's region", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const vpc = inputs(one(runs[env], VPC));
      assert.equal(vpc.name, `loom-${env}-vpc`);
      assert.match(vpc.name, /^[A-Za-z0-9.-]+$/);
      assert.equal(vpc.ipRange, DO_VPC_CIDRS[env]);
      assert.equal(vpc.region, DO_REGION);
    }
    assert.deepEqual(
      (["dev", "staging", "prod"] as const).map((e) => inputs(one(runs[e], VPC)).ipRange),
      ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"],
    );
    assert.equal(vpcName("my_proj-prod"), "my-proj-prod-vpc");
  });

  it("a Tag resource per droplet group and cluster tier, each a valid DigitalOcean tag", () => {
    const names = ofType(runs.prod, TAG).map((t) => inputs(t).name);
    assert.deepEqual(names, [
      "loom-prod-web",
      "loom-prod-worker",
      "loom-prod-jobs",
      "loom-prod-backup",
      "loom-prod-monitor",
      "loom-prod-app",
      "loom-prod-database",
      "loom-prod-cache",
    ]);
    for (const n of names) assert.match(n, /^[A-Za-z0-9:_-]{1,255}$/);
  });

  it("one firewall per group, applied by the group's tag, each under 50 rules", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const fws = ofType(runs[env], FIREWALL).map(inputs);
      assert.deepEqual(
        fws.map((f) => [f.name, f.tags]),
        DO_FIREWALL_GROUPS.map((g) => [`loom-${env}-${g}`, [`loom-${env}-${g}`]]),
      );
      for (const f of fws) assert.ok(f.inboundRules.length + f.outboundRules.length <= 50);
    }
  });

  it("every firewall allows exactly the shared egress (DigitalOcean drops all egress without outbound rules); the monitor also submits mail", () => {
    const smtp = { protocol: "tcp", portRange: "587", destinationAddresses: ["0.0.0.0/0", "::/0"] };
    for (const env of ["dev", "staging", "prod"] as const) {
      for (const g of DO_FIREWALL_GROUPS) {
        const expected = OUTBOUND(DO_VPC_CIDRS[env]);
        assert.deepEqual(firewall(runs[env], g).outboundRules, g === "monitor" ? [...expected, smtp] : expected);
      }
    }
  });

  it("SSH only from the VPC and the admin CIDRs; worker, backup and monitor accept nothing else", () => {
    const ssh = (vpc: string, admin: string[] = []) => ({
      protocol: "tcp",
      portRange: "22",
      sourceAddresses: [vpc, ...admin],
    });
    for (const g of ["worker", "backup", "monitor"]) {
      assert.deepEqual(firewall(runs.staging, g).inboundRules, [ssh("10.40.16.0/20")]);
      assert.deepEqual(firewall(runs.prod, g).inboundRules, [ssh("10.40.32.0/20", ["198.51.100.0/24"])]);
    }
  });

  it("s+p web: the edge port from the VPC range only (the load balancer reaches droplets over the VPC)", () => {
    assert.deepEqual(firewall(runs.prod, "web").inboundRules, [
      { protocol: "tcp", portRange: "22", sourceAddresses: ["10.40.32.0/20", "198.51.100.0/24"] },
      { protocol: "tcp", portRange: "80", sourceAddresses: ["10.40.32.0/20"] },
    ]);
    assert.deepEqual(firewall(runs.staging, "web").inboundRules[1], {
      protocol: "tcp",
      portRange: "80",
      sourceAddresses: ["10.40.16.0/20"],
    });
  });

  it("dev web (no load balancer, TLS on the droplet): 80 and 443 from ingressCidrs, nothing else public", () => {
    assert.deepEqual(firewall(runs.dev, "web").inboundRules, [
      { protocol: "tcp", portRange: "22", sourceAddresses: ["10.40.0.0/20"] },
      { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0"] },
      { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0"] },
    ]);
    for (const env of ["dev", "staging", "prod"] as const) {
      for (const g of DO_FIREWALL_GROUPS) {
        for (const r of firewall(runs[env], g).inboundRules) {
          const open = (r.sourceAddresses ?? []).some((a: string) => ANYWHERE.includes(a));
          if (open) assert.deepEqual([env, g, ["80", "443"].includes(r.portRange)], ["dev", "web", true]);
        }
      }
    }
  });

  it("jobs: OTLP from the app tag, logs from app+backup+monitor, metrics from the monitor tag", () => {
    assert.deepEqual(firewall(runs.prod, "jobs").inboundRules.slice(1), [
      { protocol: "tcp", portRange: "4317-4318", sourceTags: ["loom-prod-app"] },
      { protocol: "tcp", portRange: "6000", sourceTags: ["loom-prod-app", "loom-prod-backup", "loom-prod-monitor"] },
      { protocol: "tcp", portRange: "8889", sourceTags: ["loom-prod-monitor"] },
    ]);
  });

  it("outputs: the VPC's id and range, no zones, group tags as placement, tiers by tag", () => {
    // biome-ignore lint/suspicious/noExplicitAny: stack outputs are untyped data
    const out = runs.prod.outputs as Record<string, any>;
    const vpcId = out.networkId;
    assert.match(vpcId, /^[0-9a-f-]{36}$/);
    assert.equal(out.cidr, "10.40.32.0/20");
    assert.deepEqual(out.zones, []);
    assert.deepEqual(out.placement, {
      cloud: "digitalocean",
      region: DO_REGION,
      vpcId,
      vpcCidr: "10.40.32.0/20",
      tags: {
        web: "loom-prod-web",
        worker: "loom-prod-worker",
        jobs: "loom-prod-jobs",
        backup: "loom-prod-backup",
        monitor: "loom-prod-monitor",
        app: "loom-prod-app",
      },
    });
    assert.deepEqual(out.tiers, {
      edge: "loom-prod-web",
      app: "loom-prod-app",
      database: "loom-prod-database",
      cache: "loom-prod-cache",
      backup: "loom-prod-backup",
    });
  });

  it("refuses a range DigitalOcean would refuse, and SSH open to the internet, by argument name", async () => {
    await assert.rejects(build(argsFor("dev", { cidr: "10.32.0.0/12" })), {
      propertyPath: "cidr",
      reason: "must be a /16 to /24 network (DigitalOcean's VPC sizes)",
    });
    await assert.rejects(build(argsFor("dev", { cidr: "100.64.0.0/20" })), {
      propertyPath: "cidr",
      reason: "must be inside an RFC 1918 range (10/8, 172.16/12, 192.168/16)",
    });
    await assert.rejects(
      build(argsFor("dev", { platform: staticDoPlatform(doTarget({ adminCidrs: ["0.0.0.0/0"] })) })),
      {
        propertyPath: "platform.adminCidrs",
        reason: "adminCidrs must not open SSH to the internet (0.0.0.0/0)",
      },
    );
  });
});

describe("DigitalOcean firewall rules (pure)", () => {
  const base = {
    vpcCidr: "10.40.32.0/20",
    adminCidrs: [],
    ingressCidrs: ["203.0.113.0/24"],
    edgeOnDroplets: false,
    tags: { app: "a", backup: "b", monitor: "m" },
  };

  it("edgeOnDroplets opens 80/443 to the given ingress ranges only", () => {
    assert.deepEqual(inboundRules("web", { ...base, edgeOnDroplets: true }).slice(1), [
      { protocol: "tcp", portRange: "80", sourceAddresses: ["203.0.113.0/24"] },
      { protocol: "tcp", portRange: "443", sourceAddresses: ["203.0.113.0/24"] },
    ]);
  });

  it("an admin CIDR equal to the VPC range is not repeated", () => {
    assert.deepEqual(inboundRules("worker", { ...base, adminCidrs: ["10.40.32.0/20", "192.0.2.1/32"] }), [
      { protocol: "tcp", portRange: "22", sourceAddresses: ["10.40.32.0/20", "192.0.2.1/32"] },
    ]);
  });

  it("egress: tcp 443 and udp 53 anywhere, managed-database ports only to the VPC", () => {
    const out = outboundRules("10.0.0.0/24");
    assert.deepEqual(out[0], { protocol: "tcp", portRange: "443", destinationAddresses: ANYWHERE });
    assert.deepEqual(out[2], { protocol: "udp", portRange: "53", destinationAddresses: ANYWHERE });
    assert.deepEqual(out[5], { protocol: "tcp", portRange: "25060-25061", destinationAddresses: ["10.0.0.0/24"] });
  });

  it("five plans, one per group; ::/0 as an admin CIDR is refused too", () => {
    assert.deepEqual(
      firewallPlans(base).map((p) => p.group),
      ["web", "worker", "jobs", "backup", "monitor"],
    );
    assert.throws(() => firewallPlans({ ...base, adminCidrs: ["::/0"] }), {
      message: "adminCidrs must not open SSH to the internet (::/0)",
    });
  });
});
