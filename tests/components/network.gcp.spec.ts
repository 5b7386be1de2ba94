import * as assert from "node:assert/strict";
import { Network, type NetworkArgs } from "../../components/network";
import { planGcpAddresses } from "../../components/network/gcp-addresses";
import { egressRules } from "../../components/network/gcp-firewall";
import { networkLogFilter } from "../../components/network/gcp-flow-logs";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { GCP_PROJECT, gcpTarget, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": "europe-west1" };
const NETWORK = "gcp:compute/network:Network";
const SUBNET = "gcp:compute/subnetwork:Subnetwork";
const FIREWALL = "gcp:compute/firewall:Firewall";
const ADDRESS = "gcp:compute/address:Address";
const NAT = "gcp:compute/routerNat:RouterNat";
const BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig";
const SINK = "gcp:logging/projectSink:ProjectSink";
const EXCLUSION = "gcp:logging/projectExclusion:ProjectExclusion";
const P = `projects/${GCP_PROJECT}`;
const COMPUTE = "https://www.googleapis.com/compute/v1";
const vpcId = (stack: string) => `${P}/global/networks/loom-${stack}`;
const subnetId = (stack: string) => `${P}/regions/europe-west1/subnetworks/loom-${stack}-app`;

function devArgs(): NetworkArgs {
  return { platform: staticGcpPlatform(), context: context("dev"), flowLogRetentionDays: 7 };
}
function stagingArgs(): NetworkArgs {
  return { ...devArgs(), context: context("staging"), flowLogRetentionDays: 30, cidr: "10.60.0.0/20" };
}
function prodArgs(): NetworkArgs {
  return {
    platform: staticGcpPlatform(gcpTarget({ natStaticIps: 2 })),
    context: context("prod"),
    protect: true,
    cidr: "10.50.0.0/16",
    zones: 3,
    natGateways: "perZone",
    flowLogRetentionDays: 90,
    ingressCidrs: ["203.0.113.0/24"],
  };
}

async function build(args: NetworkArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const n = new Network("loom", withGcpPlatform(args));
    return { networkId: n.networkId, cidr: n.cidr, zones: n.zones, placement: n.placement, tiers: n.tiers };
  }, CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
/** The network's own children (the Platform's APIs and key ring are not the network's). */
const own = (run: ProgramRun) => run.resources.filter((r) => r.custom && r.parent?.includes("Network"));

describe("Network on GCP", () => {
  let dev: ProgramRun;
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await build(devArgs());
    staging = await build(stagingArgs());
    prod = await build(prodArgs());
  });

  it("builds one custom-mode VPC per stack (no subnet in every region), keeping the default internet route", () => {
    assert.deepEqual(inputs(one(prod, NETWORK, "loom-vpc")), {
      project: GCP_PROJECT,
      name: "loom-prod",
      description: "loom-prod: the stack's VPC",
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      deleteDefaultRoutesOnCreate: false,
    });
    assert.equal(inputs(one(dev, NETWORK)).name, "loom-dev");
    assert.equal(inputs(one(dev, NETWORK)).autoCreateSubnetworks, false);
  });

  it("has one regional app subnet whatever zones says, carved from the cidr, with Private Google Access", () => {
    assert.equal(ofType(prod, SUBNET).length, 1);
    const prodSubnet = inputs(one(prod, SUBNET, "loom-app"));
    assert.deepEqual(prodSubnet, {
      project: GCP_PROJECT,
      region: "europe-west1",
      network: vpcId("prod"),
      name: "loom-prod-app",
      description: "Cloud Run Direct VPC egress: web, worker, migrate and the backup job",
      purpose: "PRIVATE",
      stackType: "IPV4_ONLY",
      ipCidrRange: "10.50.0.0/19",
      privateIpGoogleAccess: true,
      logConfig: prodSubnet.logConfig,
    });
    assert.equal(inputs(one(dev, SUBNET)).ipCidrRange, "10.40.0.0/19");
    assert.equal(inputs(one(staging, SUBNET)).ipCidrRange, "10.60.0.0/23");
  });

  it("logs every flow of the subnet with all metadata (CIS GCP 3.8), in every stack", () => {
    for (const run of [dev, staging, prod]) {
      assert.deepEqual(inputs(one(run, SUBNET)).logConfig, {
        aggregationInterval: "INTERVAL_5_SEC",
        flowSampling: 1,
        metadata: "INCLUDE_ALL_METADATA",
      });
    }
  });

  it("reserves the private services range from the cidr and peers it with Service Networking", () => {
    const range = one(prod, "gcp:compute/globalAddress:GlobalAddress", "loom-psa");
    assert.deepEqual(inputs(range), {
      project: GCP_PROJECT,
      name: "loom-prod-psa",
      description: "Private services access: Cloud SQL and Memorystore addresses",
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address: "10.50.128.0",
      prefixLength: 18,
      network: vpcId("prod"),
      labels: inputs(range).labels,
    });
    assert.deepEqual(inputs(one(prod, "gcp:servicenetworking/connection:Connection", "loom-psa")), {
      network: vpcId("prod"),
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: ["loom-prod-psa"],
    });
    const stagingRange = inputs(one(staging, "gcp:compute/globalAddress:GlobalAddress"));
    assert.deepEqual([stagingRange.address, stagingRange.prefixLength], ["10.60.8.0", 22]);
  });

  it("NATs only the app subnet through a router on the VPC, logging every translation", () => {
    assert.deepEqual(inputs(one(dev, "gcp:compute/router:Router", "loom-router")), {
      project: GCP_PROJECT,
      region: "europe-west1",
      network: vpcId("dev"),
      name: "loom-dev-router",
      description: "Cloud NAT for the app subnet",
    });
    for (const [run, stack] of [
      [dev, "dev"],
      [prod, "prod"],
    ] as const) {
      const nat = inputs(one(run, NAT, "loom-nat"));
      assert.equal(nat.router, `loom-${stack}-router`);
      assert.equal(nat.region, "europe-west1");
      assert.equal(nat.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
      assert.deepEqual(nat.subnetworks, [{ name: subnetId(stack), sourceIpRangesToNats: ["ALL_IP_RANGES"] }]);
      assert.deepEqual(nat.logConfig, { enable: true, filter: "ALL" });
      assert.deepEqual([nat.enableDynamicPortAllocation, nat.enableEndpointIndependentMapping], [true, false]);
    }
  });

  it("lets Google allocate NAT addresses without natStaticIps, and uses that many reserved ones with it", () => {
    const devNat = inputs(one(dev, NAT));
    assert.equal(devNat.natIpAllocateOption, "AUTO_ONLY");
    assert.equal(devNat.natIps, undefined);
    assert.deepEqual(ofType(dev, ADDRESS), []);

    const prodNat = inputs(one(prod, NAT));
    assert.equal(prodNat.natIpAllocateOption, "MANUAL_ONLY");
    assert.deepEqual(prodNat.natIps, [
      `${COMPUTE}/${P}/regions/europe-west1/addresses/loom-prod-nat-0`,
      `${COMPUTE}/${P}/regions/europe-west1/addresses/loom-prod-nat-1`,
    ]);
    const addresses = ofType(prod, ADDRESS);
    assert.deepEqual(
      addresses.map((a) => [a.name, inputs(a).name, inputs(a).addressType, inputs(a).networkTier, inputs(a).region]),
      [
        ["loom-nat-0", "loom-prod-nat-0", "EXTERNAL", "PREMIUM", "europe-west1"],
        ["loom-nat-1", "loom-prod-nat-1", "EXTERNAL", "PREMIUM", "europe-west1"],
      ],
    );
  });

  it("protects the allow-listed NAT addresses and the network log bucket in prod only", async () => {
    for (const a of ofType(prod, ADDRESS)) assert.equal(a.protect, true, a.name);
    assert.equal(one(prod, BUCKET).protect, true);
    assert.equal(one(dev, BUCKET).protect, false);
    const unprotected = await build({ ...devArgs(), platform: staticGcpPlatform(gcpTarget({ natStaticIps: 3 })) });
    assert.deepEqual(
      ofType(unprotected, ADDRESS).map((a) => [a.name, a.protect]),
      [
        ["loom-nat-0", false],
        ["loom-nat-1", false],
        ["loom-nat-2", false],
      ],
    );
    assert.equal(inputs(one(unprotected, NAT)).natIps.length, 3);
  });

  it("writes egress rules per tier tag: app to the data range and HTTPS, backup to PostgreSQL and HTTPS", () => {
    const rules = ofType(prod, FIREWALL).filter((f) => inputs(f).allows !== undefined);
    assert.deepEqual(
      rules.map((f) => {
        const r = inputs(f);
        return [f.name, r.name, r.direction, r.priority, r.targetTags, r.allows, r.destinationRanges];
      }),
      [
        [
          "loom-app-to-data",
          "loom-prod-app-to-data",
          "EGRESS",
          1000,
          ["loom-prod-app"],
          [{ protocol: "tcp", ports: ["5432", "6378"] }],
          ["10.50.128.0/18"],
        ],
        [
          "loom-app-to-https",
          "loom-prod-app-to-https",
          "EGRESS",
          1000,
          ["loom-prod-app"],
          [{ protocol: "tcp", ports: ["443"] }],
          ["0.0.0.0/0"],
        ],
        [
          "loom-backup-to-database",
          "loom-prod-backup-to-database",
          "EGRESS",
          1000,
          ["loom-prod-backup"],
          [{ protocol: "tcp", ports: ["5432"] }],
          ["10.50.128.0/18"],
        ],
        [
          "loom-backup-to-https",
          "loom-prod-backup-to-https",
          "EGRESS",
          1000,
          ["loom-prod-backup"],
          [{ protocol: "tcp", ports: ["443"] }],
          ["0.0.0.0/0"],
        ],
      ],
    );
    for (const f of ofType(prod, FIREWALL)) {
      assert.equal(inputs(f).network, vpcId("prod"), f.name);
      assert.ok(inputs(f).description.length > 0, `${f.name} has no description`);
    }
  });

  it("denies all other egress at the lowest priority above the implied allow, for every instance, logged", () => {
    const deny = inputs(one(dev, FIREWALL, "loom-egress-deny-all"));
    assert.deepEqual(deny, {
      project: GCP_PROJECT,
      network: vpcId("dev"),
      name: "loom-dev-egress-deny-all",
      direction: "EGRESS",
      description: "Default deny: no egress except the tier rules above",
      priority: 65534,
      denies: [{ protocol: "all" }],
      destinationRanges: ["0.0.0.0/0"],
      logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    });
    const allows = ofType(dev, FIREWALL).filter((f) => f.name !== "loom-egress-deny-all");
    assert.equal(allows.length, 4);
    for (const f of allows) assert.ok(inputs(f).priority < deny.priority, `${f.name} loses to the deny-all`);
  });

  it("has no ingress rule at all, so nothing admits 0.0.0.0/0 (serverless NEGs need no health-check range)", () => {
    for (const run of [dev, staging, prod]) {
      assert.equal(ofType(run, FIREWALL).length, 5);
      for (const f of ofType(run, FIREWALL)) {
        assert.equal(inputs(f).direction, "EGRESS", `${f.name} is not an egress rule`);
        assert.equal(inputs(f).sourceRanges, undefined, `${f.name} has source ranges`);
      }
    }
  });

  it("keeps the network's logs flowLogRetentionDays in their own bucket in the region, out of _Default", () => {
    for (const [run, stack, days] of [
      [dev, "dev", 7],
      [staging, "staging", 30],
      [prod, "prod", 90],
    ] as const) {
      const bucket = inputs(one(run, BUCKET, "loom-network-logs"));
      assert.deepEqual(
        [bucket.project, bucket.location, bucket.bucketId, bucket.retentionDays],
        [GCP_PROJECT, "europe-west1", `loom-${stack}-network`, days],
      );
      const filter = networkLogFilter(GCP_PROJECT, `loom-${stack}-app`, `loom-${stack}-nat`);
      const sink = inputs(one(run, SINK, "loom-network-logs"));
      assert.equal(
        sink.destination,
        `logging.googleapis.com/${P}/locations/europe-west1/buckets/loom-${stack}-network`,
      );
      assert.equal(sink.filter, filter);
      assert.equal(sink.name, `loom-${stack}-network-logs`);
      const exclusion = inputs(one(run, EXCLUSION, "loom-network-logs"));
      assert.deepEqual([exclusion.project, exclusion.filter], [GCP_PROJECT, filter]);
    }
  });

  it("encrypts the network log bucket with a rotated key on the platform ring, granted to Logging's CMEK agent", () => {
    const keyId = `${P}/locations/europe-west1/keyRings/loom-keys/cryptoKeys/loom-network-logs-key`;
    for (const [run, protect] of [
      [dev, false],
      [prod, true],
    ] as const) {
      const key = one(run, "gcp:kms/cryptoKey:CryptoKey", "loom-network-logs-key");
      assert.equal(inputs(key).keyRing, `${P}/locations/europe-west1/keyRings/loom-keys`);
      assert.equal(inputs(key).rotationPeriod, "7776000s");
      assert.equal(key.protect, protect);
      assert.deepEqual(
        inputs(one(run, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "loom-network-logs-key-agent")),
        {
          cryptoKeyId: keyId,
          role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
          member: "serviceAccount:service-000000000000@gcp-sa-logging.iam.gserviceaccount.com",
        },
      );
      assert.deepEqual(inputs(one(run, BUCKET)).cmekSettings, { kmsKeyName: keyId });
    }
  });

  it("selects exactly this stack's flow, firewall and NAT logs (OR binds tighter than AND in Logging queries)", () => {
    const log = (name: string) => `logName="projects/p/logs/compute.googleapis.com%2F${name}"`;
    assert.equal(
      networkLogFilter("p", "loom-prod-app", "loom-prod-nat"),
      `((${log("vpc_flows")} OR ${log("firewall")}) AND resource.type="gce_subnetwork" AND resource.labels.subnetwork_name="loom-prod-app")` +
        ` OR (${log("nat_flows")} AND resource.type="nat_gateway" AND resource.labels.gateway_name="loom-prod-nat")`,
    );
  });

  it("outputs the network contract: ids, the PSA connection and range, one network tag per tier", () => {
    const { placement, ...rest } = prod.outputs as Record<string, unknown> & { placement: Record<string, unknown> };
    assert.deepEqual(rest, {
      networkId: vpcId("prod"),
      cidr: "10.50.0.0/16",
      zones: [],
      tiers: {
        edge: "loom-prod-edge",
        app: "loom-prod-app",
        database: "loom-prod-database",
        cache: "loom-prod-cache",
        backup: "loom-prod-backup",
      },
    });
    const { privateServices, ...where } = placement;
    assert.deepEqual(where, {
      cloud: "gcp",
      region: "europe-west1",
      network: vpcId("prod"),
      networkName: "loom-prod",
      appSubnetwork: subnetId("prod"),
      privateServicesRange: "loom-prod-psa",
    });
    const connection = one(prod, "gcp:servicenetworking/connection:Connection");
    assert.equal((privateServices as { urn: string }).urn, connection.urn);
  });

  it("puts every child under the component, labelled where GCP takes labels", () => {
    assert.deepEqual(
      own(prod)
        .map((r) => r.type.split(":").pop())
        .sort(),
      [
        "Address",
        "Address",
        "Connection",
        "CryptoKey",
        "CryptoKeyIAMMember",
        "Firewall",
        "Firewall",
        "Firewall",
        "Firewall",
        "Firewall",
        "GlobalAddress",
        "Network",
        "ProjectBucketConfig",
        "ProjectExclusion",
        "ProjectSink",
        "Router",
        "RouterNat",
        "Subnetwork",
      ],
    );
    assert.deepEqual(inputs(one(prod, ADDRESS, "loom-nat-0")).labels, {
      project: "loom",
      environment: "prod",
      stack: "prod",
      component: "network",
      "managed-by": "pulumi",
      team: "platform",
    });
  });

  describe("address plan", () => {
    it("places the app subnet in the first eighth and the private services range in the third quarter", () => {
      assert.deepEqual(planGcpAddresses("10.40.0.0/16"), {
        app: "10.40.0.0/19",
        privateServices: "10.40.128.0/18",
        privateServicesAddress: "10.40.128.0",
        privateServicesPrefixLength: 18,
      });
      assert.deepEqual(planGcpAddresses("172.16.16.0/20"), {
        app: "172.16.16.0/23",
        privateServices: "172.16.24.0/22",
        privateServicesAddress: "172.16.24.0",
        privateServicesPrefixLength: 22,
      });
    });

    it("refuses ranges outside /16 to /20 and non-network addresses", () => {
      assert.throws(() => planGcpAddresses("10.40.0.0/24"), /must be a \/16 to \/20 network, got \/24/);
      assert.throws(() => planGcpAddresses("10.32.0.0/12"), /must be a \/16 to \/20 network, got \/12/);
      assert.throws(() => planGcpAddresses("10.40.0.1/16"), /host bits set/);
    });

    it("the tier rules name the range they are given", () => {
      const rules = egressRules("192.168.0.0/22");
      assert.deepEqual(
        rules.filter((r) => r.destinations.includes("192.168.0.0/22")).map((r) => r.id),
        ["app-to-data", "backup-to-database"],
      );
    });
  });

  describe("invalid args", () => {
    it("rejects a cidr the plan cannot hold, naming the argument", async () => {
      await assert.rejects(build({ ...devArgs(), cidr: "10.40.0.0/24" }), {
        propertyPath: "cidr",
        reason: '"10.40.0.0/24" must be a /16 to /20 network, got /24',
      });
    });

    for (const days of [0, 3651, 2.5]) {
      it(`rejects flowLogRetentionDays ${days} (Cloud Logging keeps 1 to 3650 days)`, async () => {
        await assert.rejects(build({ ...devArgs(), flowLogRetentionDays: days }), {
          propertyPath: "flowLogRetentionDays",
          reason: `must be a whole number of days from 1 to 3650 (Cloud Logging), got ${days}`,
        });
      });
    }
  });
});
