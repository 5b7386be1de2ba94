import * as assert from "node:assert/strict";
import { cidrSubnet, parseCidr, planSubnets, regionOfZone, zoneNames } from "../../components/network/subnets";

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
    ["10.300.0.0/16", 2, /is not an IPv4 CIDR such as 10\.40\.0\.0\/16/],
    ["fd00::/16", 2, /is not an IPv4 CIDR/],
    ["10.40.0.0/16", 0, /zones must be 1 to 6, got 0/],
    ["10.40.0.0/16", 7, /zones must be 1 to 6, got 7/],
  ];
  for (const [cidr, zones, message] of bad) {
    it(`rejects ${cidr} with ${zones} zones`, () => assert.throws(() => planSubnets(cidr, zones), message));
  }

  it("names zones region + letter, skipping ap-northeast-1's missing b", () => {
    assert.deepEqual(zoneNames("eu-west-1", 3), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.deepEqual(zoneNames("ap-northeast-1", 3), ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]);
    assert.throws(
      () => zoneNames("ap-northeast-1", 4),
      /ap-northeast-1 offers at most 3 zones to this layout, asked for 4/,
    );
  });

  it("recovers the region from a zone name", () => {
    assert.equal(regionOfZone("eu-west-1a"), "eu-west-1");
    assert.equal(regionOfZone("us-gov-west-1b"), "us-gov-west-1");
    assert.throws(() => regionOfZone("eu-west-1"), /"eu-west-1" is not an availability-zone name such as eu-west-1a/);
  });
});
