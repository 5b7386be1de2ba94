/**
 * Where the stack's logs are kept on GCP, and for how long (`logRetentionDays`).
 *
 * Cloud Run (web, worker, migrate, the backup job), Cloud SQL, Memorystore and the load balancer write to Cloud
 * Logging, where the `_Default` sink would keep them in the project's `_Default` bucket — one retention for every
 * stack in the project, and no customer-managed key. Instead, as for the network's logs (network/gcp-flow-logs.ts):
 * a project sink routes this stack's logs (filtered by its own resource names) to a log bucket of its own in the
 * stack's region with exactly `logRetentionDays`, encrypted with a 90-day key on the platform's key ring (Logging's
 * CMEK service account, from `getCmekSettings`, holds encrypterDecrypter before the bucket exists), and a project
 * exclusion keeps the same entries out of `_Default`, so they are stored and billed once. The sink writes to a
 * bucket of its own project, which needs no IAM grant. A deleted custom bucket keeps its id for 7 days.
 */
import type { ProjectBucketConfig } from "@pulumi/gcp/logging/projectBucketConfig";
import type * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "../lib/gcp";
import { routedLogBucket } from "../lib/gcp-log-bucket";
import { REDACTION_RULES } from "./redaction";

/** The stack's resources whose logs the bucket keeps (names as Cloud Logging's resource labels carry them). */
export interface StackLogSources {
  /** Cloud Run services (`service_name`). */
  services: string[];
  /** Cloud Run jobs (`job_name`): migrate and the logical backup. */
  jobs: string[];
  /** Cloud SQL instances (`database_id` = `<project>:<instance>`), primary and replicas. */
  databaseIds: string[];
  /** The Memorystore instance (`instance_id`). */
  cacheInstanceId: string;
  /** The load balancer's URL map (`url_map_name`); none in dev. */
  urlMap?: string;
}

const anyOf = (values: string[]) => `(${values.map((v) => JSON.stringify(v)).join(" OR ")})`;

/** The Logging query of the stack's logs; every clause parenthesised (OR binds tighter than AND in it). */
export function stackLogFilter(src: StackLogSources): string {
  const clause = (type: string, label: string, values: string[]) =>
    `(resource.type="${type}" AND resource.labels.${label}=${anyOf(values)})`;
  const clauses = [
    clause("cloud_run_revision", "service_name", src.services),
    clause("cloud_run_job", "job_name", src.jobs),
    clause("cloudsql_database", "database_id", src.databaseIds),
    clause("redis_instance", "instance_id", [src.cacheInstanceId]),
    ...(src.urlMap ? [clause("http_load_balancer", "url_map_name", [src.urlMap])] : []),
  ];
  return clauses.join(" OR ");
}

/** Where an app log line's text is: plain stdout, or the message of a JSON line (Cloud Run parses JSON stdout). */
export const LOG_TEXT_FIELDS = ["textPayload", "jsonPayload.message", "jsonPayload.msg"] as const;

/**
 * The Logging query of entries that carry a credential: every `tokens` rule of the log redaction (the pack's
 * credential shapes, bearer values, `key=value` secrets, JWTs, `sk-` keys; Logging's `=~` is RE2, the dialect they
 * are written in). Cloud Logging cannot rewrite an entry at ingestion, so the closest real thing is
 * to store it nowhere: the stack sink drops these (`_Default` already excludes all the stack's logs). A JSON field
 * other than message/msg is not searched: Logging has no regex over a whole payload.
 */
export function credentialLogFilter(): string {
  return REDACTION_RULES.filter((rule) => rule.class === "tokens")
    .flatMap((rule) => LOG_TEXT_FIELDS.map((field) => `${field}=~${JSON.stringify(rule.pattern)}`))
    .join(" OR ");
}

/** The stack's log bucket, its sink and the `_Default` exclusion; returns the bucket. */
export function stackLogs(
  s: GcpScope,
  sources: pulumi.Output<StackLogSources>,
  retentionDays: number,
  dropCredentials = true,
): ProjectBucketConfig {
  return routedLogBucket(s, {
    id: "logs",
    bucketSuffix: "logs",
    holds: "Logs of the stack's Cloud Run services and jobs, Cloud SQL, Memorystore and load balancer",
    retention: "The stack's logs to their own bucket (logRetentionDays)",
    filter: sources.apply(stackLogFilter),
    retentionDays,
    ...(dropCredentials
      ? {
          exclusions: [
            {
              name: "credentials",
              description: "Entries carrying a credential shape (loom:observability.redaction tokens): stored nowhere",
              filter: credentialLogFilter(),
            },
          ],
        }
      : {}),
  });
}
