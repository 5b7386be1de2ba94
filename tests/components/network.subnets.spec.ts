import * as assert from "node:assert/strict";
import { cidrSubnet, parseCidr, pickZones, planSubnets, zoneSuffix } from "../../components/network/subnets";

describe("network/subnets (pure address plan)", () => {
  it("carves app /19, public /22 and data /22 subnets from a /16, tier by tier", () => {
    assert.deepEqual(planSubnets("10.40.0.0/16", 3), {
      app: ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"],
      public: ["10.40.192.0/22", "10.40.196.0/22", "10.40.200.0/22"],
      data: ["10.40.224.0/22", "10.40.228.0/22", "10.40.232.0/22"],
    });
  });

  it("keeps existing subnets in place when a zone is added (2 → 3 zones only appends)", () => {
    const two = planSubnets("10.40.0.0/16", 2);
    const three = planSubnets("10.40.0.0/16", 3);
    for (const tier of ["app", "public", "data"] as const) assert.deepEqual(three[tier].slice(0, 2), two[tier]);
  });

  it("gives a /20 VPC public subnets of /26, above the /27 an ALB requires", () => {
    assert.deepEqual(planSubnets("172.16.16.0/20", 2), {
      app: ["172.16.16.0/23", "172.16.18.0/23"],
      public: ["172.16.28.0/26", "172.16.28.64/26"],
      data: ["172.16.30.0/26", "172.16.30.64/26"],
    });
  });

  it("never overlaps: six zones × three tiers are disjoint and inside the VPC", () => {
    const plan = planSubnets("10.0.0.0/16", 6);
    const all = [...plan.app, ...plan.public, ...plan.data].map(parseCidr);
    const vpc = parseCidr("10.0.0.0/16");
    const ranges = all.map((c) => [c.base, c.base + 2 ** (32 - c.prefix) - 1] as const).sort((a, b) => a[0] - b[0]);
    for (const [start, end] of ranges) {
      assert.ok(start >= vpc.base && end < vpc.base + 2 ** 16, `${start}-${end} outside the VPC`);
    }
    for (let i = 1; i < ranges.length; i++) {
      assert.ok((ranges[i]?.[0] ?? 0) > (ranges[i - 1]?.[1] ?? 0), "subnets overlap");
    }
    assert.equal(all.length, 18);
  });

  it("cidrSubnet behaves like Terraform's cidrsubnet", () => {
    assert.equal(cidrSubnet("10.40.0.0/16", 8, 255), "10.40.255.0/24");
    assert.equal(cidrSubnet("10.40.0.0/16", 0, 0), "10.40.0.0/16");
    assert.throws(() => cidrSubnet("10.40.0.0/16", 2, 4), /has 4 subnets of \/18; index 4 is out of range/);
    assert.throws(() => cidrSubnet("10.40.0.0/30", 3, 0), /cannot split 10\.40\.0\.0\/30 by 3 more bits/);
  });

  const bad: [string, number, RegExp][] = [
    ["10.40.0.0/15", 2, /"10\.40\.0\.0\/15" must be a \/16 to \/20 network, got \/15/],
    ["10.40.0.0/21", 2, /must be a \/16 to \/20 network, got \/21/],
    ["10.40.1.0/16", 2, /"10\.40\.1\.0\/16" has host bits set; use the network address/],
    ["10.300.0.0/16", 2, /"10\.300\.0\.0\/16" must be an IPv4 CIDR such as 203\.0\.113\.0\/24/],
    ["fd00::/16", 2, /must be an IPv4 CIDR/],
    ["10.40.0.0/16", 0, /zones must be 1 to 6, got 0/],
    ["10.40.0.0/16", 7, /zones must be 1 to 6, got 7/],
  ];
  for (const [cidr, zones, message] of bad) {
    it(`rejects ${cidr} with ${zones} zones`, () => assert.throws(() => planSubnets(cidr, zones), message));
  }

  it("takes the first N of the platform's zone names, and says how many the region has", () => {
    const tokyo = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"];
    assert.deepEqual(pickZones("ap-northeast-1", tokyo, 3), tokyo);
    assert.deepEqual(pickZones("ap-northeast-1", tokyo, 2), ["ap-northeast-1a", "ap-northeast-1c"]);
    assert.throws(
      () => pickZones("ap-northeast-1", tokyo, 4),
      /^Error: ap-northeast-1 offers 3 zones \(ap-northeast-1a, ap-northeast-1c, ap-northeast-1d\), asked for 4$/,
    );
  });

  it("names a zone's children by the zone's letter", () => {
    assert.equal(zoneSuffix("eu-west-1", "eu-west-1a"), "a");
    assert.equal(zoneSuffix("ca-central-1", "ca-central-1d"), "d");
    assert.equal(zoneSuffix("us-gov-west-1", "us-gov-west-1b"), "b");
  });
});
