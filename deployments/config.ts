/**
 * The deployments stack's config (`loom-deployments:*` in deployments/Pulumi.all.yaml), validated before any resource
 * is registered. Every problem is reported at once, each naming the key as the stack file writes it, the value and
 * what is allowed (the same wording as the main program's settings: components/targets/issues.ts).
 * Pure: zod only.
 */
import { z } from "zod";
import { describeIssue } from "../components/targets/issues";

export const PROJECT = "loom-deployments";

/** Who runs `pulumi up` of a Loom stack: exactly one of the two, never both (docs/deployments.md). */
export const DEPLOYERS = ["workflows", "deployments"] as const;
export type Deployer = (typeof DEPLOYERS)[number];

export class DeploymentsConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid ${PROJECT} config:\n  - ${problems.join("\n  - ")}`);
    this.name = "DeploymentsConfigError";
  }
}

const ISSUE_CTX = { project: PROJECT, moved: {} };

/** 5-field cron (minute hour day-of-month month day-of-week), as Pulumi Cloud schedules take it. */
const cron = z
  .string()
  .regex(/^[0-9*/,-]+( [0-9*/,-]+){4}$/, 'must be a 5-field cron expression, e.g. "0 6 * * *" (UTC)');
/** "XhYmZs" as the Deployments OIDC durations take it (e.g. 1h, 1h30m, 45m). */
const duration = z.string().regex(/^(?=\d)(\d+h)?(\d+m)?(\d+s)?$/, 'must be a duration "XhYmZs", e.g. "1h" or "1h30m"');
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a lower-case GUID");
const gcpId = z.string().regex(/^[a-z][a-z0-9-]{2,30}[a-z0-9]$/, "must be 4-32 lower-case letters, digits or -");

const awsOidc = z.strictObject({
  roleArn: z
    .string()
    .regex(
      /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      "must be an IAM role ARN arn:aws:iam::<12 digits>:role/<name>",
    ),
  duration: duration.optional(),
  policyArns: z
    .array(z.string().regex(/^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/, "must be an IAM policy ARN"))
    .optional(),
});
const gcpOidc = z.strictObject({
  projectNumber: z.string().regex(/^\d{6,20}$/, "must be the numeric project number (not the project id)"),
  workloadPoolId: gcpId,
  providerId: gcpId,
  serviceAccount: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
      "must be a service account e-mail <name>@<project>.iam.gserviceaccount.com",
    ),
  region: z
    .string()
    .regex(/^[a-z]+-[a-z]+\d$/, "must be a GCP region, e.g. europe-west1")
    .optional(),
  tokenLifetime: duration.optional(),
});
const azureOidc = z.strictObject({ clientId: uuid, tenantId: uuid, subscriptionId: uuid });

/** One block per cloud a stack may be planned on; only the block of the stack's `loom:cloud` is required. */
const oidc = z.strictObject({ aws: awsOidc.optional(), gcp: gcpOidc.optional(), azure: azureOidc.optional() });

const stack = z.strictObject({
  deployer: z.enum(DEPLOYERS).default("workflows"),
  /** The branch the stack's settings track (push-to-deploy, PR previews and review stacks are per branch). */
  branch: z
    .string()
    .regex(/^(?!refs\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "must be a branch name such as main (without refs/heads/)")
    .default("main"),
  /** A push to `branch` runs `pulumi up` (only with deployer: deployments). Default: staging only. */
  deployOnPush: z.boolean().optional(),
  drift: z
    .strictObject({ cron: cron.optional(), autoRemediate: z.boolean().default(false) })
    .default({ autoRemediate: false }),
  /** This stack is the branch's review-stack template (dev-profile stacks only). */
  reviewStacks: z.boolean().default(false),
  /** A temporary stack: destroyed (and deleted) at this UTC time, ISO 8601 (TtlSchedule). */
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "must be an ISO 8601 UTC time, e.g. 2027-01-31T18:00:00Z")
    .optional(),
  oidc,
});

export const SCHEMA = z.strictObject({
  organization: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, "must be the Pulumi Cloud organization as its URL writes it (lower case)"),
  repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "must be the GitHub repository as owner/name"),
  stacks: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "must be a stack name"), stack)
    .refine((s) => Object.keys(s).length > 0, "needs at least one stack"),
});

export type DeploymentsConfig = z.output<typeof SCHEMA>;
export type StackConfig = DeploymentsConfig["stacks"][string];
export type OidcConfig = StackConfig["oidc"];

/** The keys the program reads, as `pulumi.Config` hands them over (objects as JSON strings). */
export const KEYS = ["organization", "repository", "stacks"] as const;

/** Raw config (key → string as the engine passes it) → plain values; a JSON object that does not parse is an error. */
export function readRaw(get: (key: string) => string | undefined): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of KEYS) {
    const text = get(key);
    if (text === undefined) continue;
    if (key === "stacks") {
      try {
        raw[key] = JSON.parse(text);
      } catch {
        problems.push(`${PROJECT}:${key}: ${JSON.stringify(text)} must be a map of stack name → settings`);
      }
    } else raw[key] = text;
  }
  if (problems.length > 0) throw new DeploymentsConfigError(problems);
  return raw;
}

/** Validate the raw config; throws DeploymentsConfigError listing every problem. */
export function parseConfig(raw: Record<string, unknown>): DeploymentsConfig {
  const parsed = SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const ctx = { ...ISSUE_CTX, raw, schema: SCHEMA };
    throw new DeploymentsConfigError(parsed.error.issues.flatMap((issue) => describeIssue(issue, ctx)));
  }
  return parsed.data;
}
