/**
 * DigitalOcean regions (slugs as the API spells them) and the default disaster-recovery pairing. Pure: no SDK.
 *
 * DigitalOcean has no availability zones and no published region pairs: a pair here is the nearest region that
 * also offers Managed Databases and Spaces, so DR copies (Spaces buckets, a database replica) can land there.
 */

/** A region slug: three letters and a digit (ams3, fra1, nyc3…). */
export const DO_REGION = /^[a-z]{3}[0-9]$/;

/** Regions with Managed Databases (PostgreSQL, Valkey), Spaces and Droplet autoscale pools. */
export const DO_REGIONS = [
  "ams3",
  "atl1",
  "blr1",
  "fra1",
  "lon1",
  "nyc1",
  "nyc3",
  "sfo2",
  "sfo3",
  "sgp1",
  "syd1",
  "tor1",
] as const;

/** Default DR region per region: the nearest other region with Spaces and Managed Databases. */
export const DO_DR_REGIONS: Readonly<Record<string, string>> = {
  ams3: "fra1",
  fra1: "ams3",
  lon1: "ams3",
  nyc1: "sfo3",
  nyc3: "sfo3",
  atl1: "nyc3",
  tor1: "nyc3",
  sfo2: "nyc3",
  sfo3: "nyc3",
  sgp1: "syd1",
  syd1: "sgp1",
  blr1: "sgp1",
};

/**
 * Default VPC range per environment: DigitalOcean refuses two VPCs with overlapping ranges in one account, and the
 * three stacks usually share one. Each is a /20 inside 10.40.0.0/16 (never 10.10.0.0/16 or 10.244.0.0/16, which
 * DigitalOcean reserves for its own networks and DOKS pods). `loom:network.cidr` replaces it.
 */
export const DO_VPC_CIDRS: Readonly<Record<string, string>> = {
  dev: "10.40.0.0/20",
  staging: "10.40.16.0/20",
  prod: "10.40.32.0/20",
};
