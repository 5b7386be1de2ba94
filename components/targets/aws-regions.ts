/**
 * Facts about AWS regions the AWS target needs before any API call (pure data, no SDK).
 *
 * ZONES: the availability-zone names each region offers to a new account, from the AWS "Regions and Zones" page
 * (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html) and
 * `aws ec2 describe-availability-zones`. Zone letters are mapped per account and are not always a, b, c:
 * ca-central-1 has a, b, d; ap-northeast-1 has a, c, d; us-west-1 offers two of a/b/c depending on the account
 * (b and c for accounts created since 2012). Where an account sees other zones, or a region is missing here,
 * set `loom:aws.availabilityZones` to the names `aws ec2 describe-availability-zones` prints.
 *
 * DR_REGIONS: where disaster-recovery copies go by default. The pairing stays inside the same jurisdiction where
 * AWS has a second region there (EU → EU, US → US, GovCloud → GovCloud, Canada → Canada, Australia → Australia,
 * Japan → Japan, India → India); otherwise the nearest region. Override with `loom:aws.drRegion`.
 */

const zones = (region: string, letters: string): readonly string[] => Array.from(letters, (l) => `${region}${l}`);

/** Availability-zone names per region (see the file comment for the source and the exceptions). */
export const AWS_ZONES: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": zones("us-east-1", "abcdef"),
  "us-east-2": zones("us-east-2", "abc"),
  "us-west-1": zones("us-west-1", "bc"),
  "us-west-2": zones("us-west-2", "abcd"),
  "ca-central-1": zones("ca-central-1", "abd"),
  "ca-west-1": zones("ca-west-1", "abc"),
  "sa-east-1": zones("sa-east-1", "abc"),
  "eu-west-1": zones("eu-west-1", "abc"),
  "eu-west-2": zones("eu-west-2", "abc"),
  "eu-west-3": zones("eu-west-3", "abc"),
  "eu-central-1": zones("eu-central-1", "abc"),
  "eu-central-2": zones("eu-central-2", "abc"),
  "eu-north-1": zones("eu-north-1", "abc"),
  "eu-south-1": zones("eu-south-1", "abc"),
  "eu-south-2": zones("eu-south-2", "abc"),
  "ap-northeast-1": zones("ap-northeast-1", "acd"),
  "ap-northeast-2": zones("ap-northeast-2", "abcd"),
  "ap-northeast-3": zones("ap-northeast-3", "abc"),
  "ap-southeast-1": zones("ap-southeast-1", "abc"),
  "ap-southeast-2": zones("ap-southeast-2", "abc"),
  "ap-southeast-3": zones("ap-southeast-3", "abc"),
  "ap-southeast-4": zones("ap-southeast-4", "abc"),
  "ap-south-1": zones("ap-south-1", "abc"),
  "ap-south-2": zones("ap-south-2", "abc"),
  "ap-east-1": zones("ap-east-1", "abc"),
  "me-south-1": zones("me-south-1", "abc"),
  "me-central-1": zones("me-central-1", "abc"),
  "il-central-1": zones("il-central-1", "abc"),
  "af-south-1": zones("af-south-1", "abc"),
  "us-gov-west-1": zones("us-gov-west-1", "abc"),
  "us-gov-east-1": zones("us-gov-east-1", "abc"),
};

/** The default disaster-recovery region of each region (see the file comment for the pairing rule). */
export const AWS_DR_REGIONS: Readonly<Record<string, string>> = {
  "us-east-1": "us-west-2",
  "us-east-2": "us-west-2",
  "us-west-1": "us-west-2",
  "us-west-2": "us-east-1",
  "ca-central-1": "ca-west-1",
  "ca-west-1": "ca-central-1",
  "sa-east-1": "us-east-1",
  "eu-west-1": "eu-central-1",
  "eu-west-2": "eu-west-1",
  "eu-west-3": "eu-central-1",
  "eu-central-1": "eu-west-1",
  "eu-central-2": "eu-central-1",
  "eu-north-1": "eu-central-1",
  "eu-south-1": "eu-central-1",
  "eu-south-2": "eu-west-3",
  "ap-northeast-1": "ap-northeast-3",
  "ap-northeast-2": "ap-northeast-1",
  "ap-northeast-3": "ap-northeast-1",
  "ap-southeast-1": "ap-southeast-2",
  "ap-southeast-2": "ap-southeast-4",
  "ap-southeast-3": "ap-southeast-1",
  "ap-southeast-4": "ap-southeast-2",
  "ap-south-1": "ap-south-2",
  "ap-south-2": "ap-south-1",
  "ap-east-1": "ap-southeast-1",
  "me-south-1": "me-central-1",
  "me-central-1": "me-south-1",
  "il-central-1": "eu-central-1",
  "af-south-1": "eu-west-1",
  "us-gov-west-1": "us-gov-east-1",
  "us-gov-east-1": "us-gov-west-1",
};

/** An AWS region name such as eu-west-1 or us-gov-west-1. */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** The region of an availability-zone name (eu-west-1a → eu-west-1), or undefined. */
export function regionOfZone(zone: string): string | undefined {
  return /^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$/.exec(zone)?.[1];
}
