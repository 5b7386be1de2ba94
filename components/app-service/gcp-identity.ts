/**
 * Identity of the GCP AppService: the app's own secrets (created empty in Secret Manager, values put out of band —
 * docs/runbooks/deploy.md), one service account per workload (never the Compute default account, no keys), and
 * least-privilege grants: `secretAccessor` on each secret the workload reads (workload-secrets.ts decides which),
 * never project-wide, Cloud Trace's agent role to write spans to the Telemetry (OTLP) API, and (web, worker) Monitoring's metric writer
 * for the Prometheus sidecar. Project-level roles are only these two write-only ones: no owner, editor or admin.
 *
 * With a database (`args.database`, a GCP Database's access): each workload's account is also its database login,
 * a Cloud SQL IAM user (`CLOUD_IAM_SERVICE_ACCOUNT`, created here right after the account: Cloud SQL refuses one for
 * an account that does not exist yet) holding `roles/cloudsql.instanceUser` (cloudsql.instances.login) on the project
 * to log in with its token. No `cloudsql.client`: the workloads connect to the instance's private address, not
 * through the Auth Proxy or a connector. What the login may do in the database is its group's (the roles step).
 */
import { IAMMember } from "@pulumi/gcp/projects/iammember";
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretIamMember } from "@pulumi/gcp/secretmanager/secretIamMember";
import { Account } from "@pulumi/gcp/serviceaccount/account";
import type * as pulumi from "@pulumi/pulumi";
import { cloudSqlIamLogin } from "../database/gcp-iam-login";
import { cloudSqlOf } from "../database/gcp-logins";
import { invalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import type { AppScope } from "./gcp-scope";
import { appSecretId, serviceAccountId } from "./gcp-sizing";
import { singleValueRefs, WORKLOADS, type Workload } from "./workload-secrets";

/** Reads one secret's versions (`versions/latest` at instance start), nothing else. */
export const SECRET_ACCESSOR = "roles/secretmanager.secretAccessor";
/** Writes spans (cloudtrace.traces.patch, telemetry.traces.write); no read access to traces. */
export const TRACE_WRITER = "roles/cloudtrace.agent";
/** Writes time series (monitoring.timeSeries.create): the Prometheus sidecar of web and worker. */
export const METRIC_WRITER = "roles/monitoring.metricWriter";

/** Project roles per workload: every one exports traces; web and worker also run the metrics sidecar. */
export function projectRoles(workload: Workload): string[] {
  return workload === "migrate" ? [TRACE_WRITER] : [TRACE_WRITER, METRIC_WRITER];
}

/** One empty Secret Manager secret per `appSecretNames` entry (no version: Pulumi never holds the value). */
export function appSecrets(s: AppScope): Record<string, SecretRef> {
  const refs: Record<string, SecretRef> = {};
  for (const envName of s.args.appSecretNames) {
    const secret = new Secret(
      `${s.name}-app-secret-${envName.toLowerCase().replace(/_/g, "-")}`,
      {
        project: s.project,
        secretId: appSecretId(s.prefix, envName),
        // Google-managed replication: the value survives the loss of a region, like the stack's DR copies.
        replication: { auto: {} },
        deletionProtection: s.args.protect,
        labels: s.labels,
      },
      s.opts(true),
    );
    refs[envName] = { id: secret.id };
  }
  return refs;
}

/** The secret refs `workload` gets (workload-secrets.ts), by environment variable; a GCP secret has no keys. */
export function workloadSecrets(
  s: AppScope,
  workload: Workload,
  app: Record<string, SecretRef>,
): Record<string, SecretRef> {
  return singleValueRefs(
    workload,
    { platform: s.args.secrets, app: s.args.appSecretNames, database: s.args.database?.logins },
    app,
    "Secret Manager",
  );
}

export interface Identity {
  account: Account;
  /** What a revision must wait for: it reads its secrets at start. */
  grants: pulumi.Resource[];
}

/** A service account per workload, `secretAccessor` on exactly its secrets, and its write-only project roles. */
export function identities(
  s: AppScope,
  secrets: Record<Workload, Record<string, SecretRef>>,
): Record<Workload, Identity> {
  const out = {} as Record<Workload, Identity>;
  for (const workload of WORKLOADS) {
    const account = new Account(
      `${s.name}-${workload}`,
      {
        project: s.project,
        accountId: serviceAccountId(s.prefix, workload),
        displayName: `Loom ${workload} (${s.prefix})`,
        description: `Runtime identity of the ${workload} Cloud Run ${workload === "migrate" ? "job" : "service"}`,
      },
      s.opts(),
    );
    const grants: pulumi.Resource[] = Object.entries(secrets[workload]).map(
      ([envName, ref]) =>
        new SecretIamMember(
          `${s.name}-${workload}-reads-${envName.toLowerCase().replace(/_/g, "-")}`,
          { project: s.project, secretId: ref.id, role: SECRET_ACCESSOR, member: account.member },
          s.opts(),
        ),
    );
    grants.push(...databaseLogin(s, workload, account));
    for (const role of projectRoles(workload)) {
      grants.push(
        new IAMMember(
          `${s.name}-${workload}-${role.split(".").pop()?.toLowerCase()}`,
          { project: s.project, role, member: account.member },
          s.opts(),
        ),
      );
    }
    out[workload] = { account, grants };
  }
  return out;
}

/**
 * The workload's Cloud SQL IAM user (named as the Database named it: the account's email without
 * `.gserviceaccount.com`) and its permission to log in; none without a database.
 */
function databaseLogin(s: AppScope, workload: Workload, account: Account): pulumi.Resource[] {
  if (!s.args.database) return [];
  const sql = cloudSqlOf(s.args.database);
  if (!sql) return invalid("database", "is not a GCP Database's access (it names no Cloud SQL instance)");
  return cloudSqlIamLogin(s, `${s.name}-${workload}`, account, sql);
}
