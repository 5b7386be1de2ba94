/**
 * The DigitalOcean target: `loom:digitalocean`. Pure: zod only, no SDK.
 *
 * The DigitalOcean provider reads only credentials (`digitalocean:token`, `digitalocean:spacesAccessId`,
 * `digitalocean:spacesSecretKey`, or the DIGITALOCEAN_TOKEN / SPACES_* environment): it has no region setting, so
 * the region is ours (`loom:digitalocean.region`). Rules: the region is required; `drRegion` defaults from the
 * pairing table (digitalocean-regions.ts) and must differ from it; at least one SSH key (DigitalOcean requires keys on
 * autoscale pool templates, and no droplet of ours allows password logins); the TLS certificate is Let's Encrypt on
 * the load balancer when `dnsDomain` (a domain whose DNS is at DigitalOcean) holds `loom:domain`, else an uploaded
 * certificate named by `certificateName`; the VPC range (`loom:network.cidr`) is RFC 1918 and defaults per
 * environment (DigitalOcean refuses overlapping VPCs in one account). `activeAppLogin` picks which of the two app
 * database users (`loom_app_a`, `loom_app_b`) web and worker log in as: the switch of the alternating-users rotation
 * (docs/runbooks/credentials-digitalocean.md).
 */
import { z } from "zod";
import { cidrProblem, parseCidr } from "../lib/cidr";
import { DO_DR_REGIONS, DO_REGION, DO_VPC_CIDRS } from "./digitalocean-regions";
import type { TargetContext, TargetSpec } from "./spec";
import { cidr, show, uniqueList } from "./values";

export interface DigitalOceanTarget {
  cloud: "digitalocean";
  /** Where every resource lives (droplets, VPC, databases, load balancer, Spaces), except DR copies. */
  region: string;
  /** Where DR copies go (the backup bucket's replica, a database replica in prod). */
  drRegion: string;
  /** SSH keys (fingerprints or numeric ids of keys already in the account) put on every droplet. */
  sshKeys: string[];
  /** Ranges allowed to SSH to the droplets besides the VPC itself (an office, a VPN). Default: none. */
  adminCidrs: string[];
  /** A domain managed in DigitalOcean DNS that holds `loom:domain`: Let's Encrypt certificate + the A record. */
  dnsDomain?: string;
  /** An uploaded (custom) certificate's name, when the domain's DNS is elsewhere. */
  certificateName?: string;
  /** The droplet OS image slug. */
  dropletImage: string;
  /** Which app database user web and worker use: `a` → loom_app_a, `b` → loom_app_b (the other is rotated). */
  activeAppLogin: AppLoginSlot;
}

export const APP_LOGIN_SLOTS = ["a", "b"] as const;
export type AppLoginSlot = (typeof APP_LOGIN_SLOTS)[number];

/** The droplet base image: Ubuntu 24.04 LTS (supported to 2029; 20.04 is end of life). */
export const DO_DEFAULT_IMAGE = "ubuntu-24-04-x64";
/** Images no droplet may run: end-of-life releases. */
export const DO_EOL_IMAGES = /(^|-)(ubuntu-1[0-9]|ubuntu-20|docker-(1[0-9]|20)-04|debian-(9|10)|centos)/;

const SSH_KEY = /^([0-9a-f]{2}(:[0-9a-f]{2}){15}|[0-9]{1,12})$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const schema = z
  .object({
    region: z.string().regex(DO_REGION, "must be a DigitalOcean region slug such as ams3"),
    drRegion: z.string().regex(DO_REGION, "must be a DigitalOcean region slug such as fra1"),
    sshKeys: uniqueList(
      z.string().regex(SSH_KEY, "must be an SSH key's MD5 fingerprint (aa:bb:…, 16 pairs) or its numeric id"),
    ),
    adminCidrs: uniqueList(cidr),
    dnsDomain: z.string().regex(DOMAIN, "must be a domain name such as example.com"),
    certificateName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, "must be a certificate name"),
    dropletImage: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, "must be an image slug such as ubuntu-24-04-x64")
      .refine((s) => !DO_EOL_IMAGES.test(s), "is an end-of-life image; use ubuntu-24-04-x64 or newer"),
    activeAppLogin: z.enum(APP_LOGIN_SLOTS),
  })
  .partial()
  .strict();

const key = (name: string) => `loom:digitalocean.${name}`;

function drRegionOf(config: z.output<typeof schema>, region: string, ctx: TargetContext): string {
  const dr = config.drRegion ?? DO_DR_REGIONS[region];
  if (dr === undefined) {
    ctx.problems.push(
      `${key("drRegion")} is required: ${key("region")} ${region} has no default pairing (components/targets/digitalocean-regions.ts)`,
    );
    return "";
  }
  if (dr === region) {
    ctx.problems.push(
      `${key("drRegion")}: ${show(dr)} is ${key("region")} itself; disaster-recovery copies must go to another region`,
    );
  }
  return dr;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseCidr);
/** DigitalOcean's own ranges (the default VPC networks, DOKS pods and services), refused for a VPC. */
const RESERVED_RANGES = ["10.10.0.0/16", "10.244.0.0/16", "10.245.0.0/16", "10.246.0.0/24"].map(parseCidr);

const within = (inner: { base: number; prefix: number }, outer: { base: number; prefix: number }) =>
  inner.prefix >= outer.prefix &&
  Math.floor(inner.base / 2 ** (32 - outer.prefix)) === outer.base / 2 ** (32 - outer.prefix);
const overlaps = (a: { base: number; prefix: number }, b: { base: number; prefix: number }) =>
  within(a, b) || within(b, a);

/** Why `value` cannot be a DigitalOcean VPC range, or undefined. */
export function vpcRangeProblem(value: string): string | undefined {
  const problem = cidrProblem(value);
  if (problem) return problem;
  const range = parseCidr(value);
  if (range.prefix < 16 || range.prefix > 24) return "must be a /16 to /24 network (DigitalOcean's VPC sizes)";
  if (!PRIVATE_RANGES.some((p) => within(range, p)))
    return "must be inside an RFC 1918 range (10/8, 172.16/12, 192.168/16)";
  if (RESERVED_RANGES.some((r) => overlaps(range, r))) {
    return "overlaps a range DigitalOcean reserves (10.10.0.0/16, 10.244.0.0/16, 10.245.0.0/16, 10.246.0.0/24)";
  }
  return undefined;
}

function certificateProblems(config: z.output<typeof schema>, ctx: TargetContext): void {
  if (config.dnsDomain && config.certificateName) {
    ctx.problems.push(
      `${key("dnsDomain")} and ${key("certificateName")} are both set; choose one (Let's Encrypt through DigitalOcean DNS, or an uploaded certificate)`,
    );
  } else if (!config.dnsDomain && !config.certificateName) {
    ctx.problems.push(
      `${key("dnsDomain")} is required (the DigitalOcean DNS domain holding loom:domain ${show(ctx.domain)}, for the Let's Encrypt certificate and the A record), or ${key("certificateName")} (an uploaded certificate) when the DNS is elsewhere`,
    );
  } else if (config.dnsDomain && ctx.domain !== config.dnsDomain && !ctx.domain.endsWith(`.${config.dnsDomain}`)) {
    ctx.problems.push(`${key("dnsDomain")}: ${show(config.dnsDomain)} does not hold loom:domain ${show(ctx.domain)}`);
  }
}

export const digitaloceanTarget = {
  cloud: "digitalocean",
  schema,
  providerKeys: [],
  defaultNetworkCidr: (environment) => DO_VPC_CIDRS[environment] ?? "10.40.0.0/20",
  resolve(config, ctx): DigitalOceanTarget {
    const region = config.region;
    if (!region) ctx.problems.push(`${key("region")} is required for loom:cloud digitalocean, e.g. ams3`);
    if ((config.sshKeys ?? []).length === 0) {
      ctx.problems.push(
        `${key("sshKeys")} must list at least one SSH key (fingerprint or id of a key in the account): DigitalOcean requires keys on autoscale pools, and no droplet allows password logins`,
      );
    }
    certificateProblems(config, ctx);
    const cidrOfStack = ctx.networkCidr;
    const rangeProblem = cidrOfStack === undefined ? undefined : vpcRangeProblem(cidrOfStack);
    if (rangeProblem) ctx.problems.push(`loom:network.cidr: ${show(cidrOfStack)} ${rangeProblem}`);
    return {
      cloud: "digitalocean",
      region: region ?? "",
      drRegion: region ? drRegionOf(config, region, ctx) : "",
      sshKeys: config.sshKeys ?? [],
      adminCidrs: config.adminCidrs ?? [],
      ...(config.dnsDomain ? { dnsDomain: config.dnsDomain } : {}),
      ...(config.certificateName ? { certificateName: config.certificateName } : {}),
      dropletImage: config.dropletImage ?? DO_DEFAULT_IMAGE,
      activeAppLogin: config.activeAppLogin ?? "a",
    };
  },
} satisfies TargetSpec<"digitalocean", typeof schema, DigitalOceanTarget>;
