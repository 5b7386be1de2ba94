/**
 * The DigitalOcean target (components/targets/digitalocean.ts): region and DR pairing, SSH keys, the certificate
 * source, the per-environment VPC ranges and the VPC range rules.
 */
import assert from "node:assert/strict";
import { parseSettings, SettingsError } from "../components/settings";
import { type DigitalOceanTarget, DO_DR_REGIONS, DO_VPC_CIDRS } from "../components/targets";
import { vpcRangeProblem } from "../components/targets/digitalocean";
import { DO_REGION, DO_REGIONS } from "../components/targets/digitalocean-regions";

const KEY = "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:03";
const DO = { region: "ams3", sshKeys: [KEY], dnsDomain: "loom.example.com" };
const valid = {
  cloud: "digitalocean",
  domain: "loom.example.com",
  image: "ghcr.io/example/loom:1.4.2",
  alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
  backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
  digitalocean: DO,
};

function settingsOf(raw: Record<string, unknown> = {}, stack = "prod") {
  return parseSettings({ ...valid, ...raw }, { stack, providerConfig: {} });
}

function target(raw: Record<string, unknown> = {}, stack = "prod"): DigitalOceanTarget {
  const { target } = settingsOf(raw, stack);
  assert.equal(target.cloud, "digitalocean");
  return target as DigitalOceanTarget;
}

function problemsOf(raw: Record<string, unknown>, stack = "prod") {
  try {
    settingsOf(raw, stack);
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  return assert.fail("expected a SettingsError");
}

describe("targets: digitalocean", () => {
  it("resolves the region, the DR pairing, the keys and the default image", () => {
    assert.deepEqual(target(), {
      cloud: "digitalocean",
      region: "ams3",
      drRegion: "fra1",
      sshKeys: [KEY],
      adminCidrs: [],
      dnsDomain: "loom.example.com",
      dropletImage: "ubuntu-24-04-x64",
      activeAppLogin: "a",
    });
    assert.equal(target({ digitalocean: { ...DO, region: "nyc3" } }).drRegion, "sfo3");
  });

  it("needs a region, an SSH key and a certificate source, each named", () => {
    assert.deepEqual(problemsOf({ digitalocean: {} }), [
      "loom:digitalocean.region is required for loom:cloud digitalocean, e.g. ams3",
      "loom:digitalocean.sshKeys must list at least one SSH key (fingerprint or id of a key in the account): DigitalOcean requires keys on autoscale pools, and no droplet allows password logins",
      'loom:digitalocean.dnsDomain is required (the DigitalOcean DNS domain holding loom:domain "loom.example.com", for the Let\'s Encrypt certificate and the A record), or loom:digitalocean.certificateName (an uploaded certificate) when the DNS is elsewhere',
    ]);
  });

  it("refuses both certificate sources, a DNS domain that does not hold the domain, and a DR region equal to the region", () => {
    assert.deepEqual(problemsOf({ digitalocean: { ...DO, certificateName: "loom-cert" } }), [
      "loom:digitalocean.dnsDomain and loom:digitalocean.certificateName are both set; choose one (Let's Encrypt through DigitalOcean DNS, or an uploaded certificate)",
    ]);
    assert.deepEqual(problemsOf({ digitalocean: { ...DO, dnsDomain: "example.org" } }), [
      'loom:digitalocean.dnsDomain: "example.org" does not hold loom:domain "loom.example.com"',
    ]);
    assert.deepEqual(problemsOf({ digitalocean: { ...DO, drRegion: "ams3" } }), [
      'loom:digitalocean.drRegion: "ams3" is loom:digitalocean.region itself; disaster-recovery copies must go to another region',
    ]);
    assert.equal(
      target({ digitalocean: { region: "ams3", sshKeys: [KEY], certificateName: "loom-cert" } }).certificateName,
      "loom-cert",
    );
  });

  it("rejects malformed values with what is allowed", () => {
    const [region] = problemsOf({ digitalocean: { ...DO, region: "Amsterdam" } });
    assert.match(
      region ?? "",
      /^loom:digitalocean\.region: "Amsterdam" must be a DigitalOcean region slug such as ams3/,
    );
    const [key] = problemsOf({ digitalocean: { ...DO, sshKeys: ["ssh-rsa AAAA"] } });
    assert.match(key ?? "", /^loom:digitalocean\.sshKeys\[0\]: .*must be an SSH key's MD5 fingerprint/);
    const [image] = problemsOf({ digitalocean: { ...DO, dropletImage: "ubuntu-20-04-x64" } });
    assert.match(image ?? "", /^loom:digitalocean\.dropletImage: .*is an end-of-life image/);
    assert.deepEqual(problemsOf({ digitalocean: { ...DO, activeAppLogin: "c" } }), [
      'loom:digitalocean.activeAppLogin: "c" is not one of a, b',
    ]);
    assert.equal(target({ digitalocean: { ...DO, activeAppLogin: "b" } }).activeAppLogin, "b");
    const [admin] = problemsOf({ digitalocean: { ...DO, adminCidrs: ["203.0.113.7/24"] } });
    assert.match(admin ?? "", /^loom:digitalocean\.adminCidrs\[0\]: .*host bits/);
  });

  it("gives each environment its own VPC range, so the three stacks fit in one account", () => {
    const ranges = ["dev", "staging", "prod"].map((stack) => settingsOf({}, stack).network.cidr);
    assert.deepEqual(ranges, ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]);
    assert.deepEqual(Object.values(DO_VPC_CIDRS), ranges);
    assert.equal(settingsOf({ network: { cidr: "10.60.0.0/20" } }).network.cidr, "10.60.0.0/20");
    // The other clouds keep the program's default.
    const aws = parseSettings(
      { ...valid, cloud: "aws", digitalocean: undefined, aws: { hostedZoneId: "Z0EXAMPLE" } },
      { stack: "prod", providerConfig: { "aws:region": "eu-west-1" } },
    );
    assert.equal(aws.network.cidr, "10.40.0.0/16");
  });

  it("refuses VPC ranges DigitalOcean refuses, naming loom:network.cidr", () => {
    assert.deepEqual(problemsOf({ network: { cidr: "10.10.0.0/16" } }), [
      'loom:network.cidr: "10.10.0.0/16" overlaps a range DigitalOcean reserves (10.10.0.0/16, 10.244.0.0/16, 10.245.0.0/16, 10.246.0.0/24)',
    ]);
    assert.equal(vpcRangeProblem("100.64.0.0/16"), "must be inside an RFC 1918 range (10/8, 172.16/12, 192.168/16)");
    assert.equal(vpcRangeProblem("10.0.0.0/8"), "must be a /16 to /24 network (DigitalOcean's VPC sizes)");
    assert.equal(vpcRangeProblem("172.16.0.0/20"), undefined);
  });

  it("the pairing table pairs listed regions with other listed regions", () => {
    for (const [region, dr] of Object.entries(DO_DR_REGIONS)) {
      assert.notEqual(dr, region);
      assert.match(region, DO_REGION);
      assert.ok((DO_REGIONS as readonly string[]).includes(dr), dr);
    }
    for (const region of DO_REGIONS) assert.ok(DO_DR_REGIONS[region], `${region} has a DR pairing`);
  });
});
