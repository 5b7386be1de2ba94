/**
 * Database master passwords are managed by the cloud (rotated, stored in the secret store), never passed in by the
 * program: a `password` input is a literal or a generated value in Pulumi state, and the policy cannot tell which.
 */

import type { ClusterArgs as DocDbClusterArgs } from "@pulumi/aws/docdb/cluster";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { ClusterArgs as RedshiftClusterArgs } from "@pulumi/aws/redshift/cluster";
import { checks, rule } from "../../lib/rule";

const on = checks<Record<string, never>>();

const given = (...v: unknown[]) => v.some((x) => x !== undefined && x !== "");

export const databaseManagedCredentials = rule({
  name: "database-managed-credentials",
  concern: "secrets",
  description:
    "Database master credentials are cloud-managed secrets (RDS/Aurora/DocumentDB manageMasterUserPassword, Redshift manageMasterPassword), not a password passed in by the program.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `password`/`masterPassword` and set `manageMasterUserPassword: true` with `masterUserSecretKmsKeyId` (Redshift: `manageMasterPassword`); the app reads the Secrets Manager secret through ECS `secrets` or IAM database authentication.",
  checks: [
    on<RdsInstanceArgs>("aws:rds/instance:Instance", (db, ctx) => {
      if (given(db.password, db.passwordWo)) {
        ctx.report(
          `RDS instance sets ${db.password !== undefined ? "password" : "passwordWo"}; set manageMasterUserPassword: true so RDS generates, stores and rotates it in Secrets Manager`,
        );
      }
    }),
    on<RdsClusterArgs>("aws:rds/cluster:Cluster", (c, ctx) => {
      if (given(c.masterPassword, c.masterPasswordWo)) {
        ctx.report(
          `RDS cluster sets ${c.masterPassword !== undefined ? "masterPassword" : "masterPasswordWo"}; set manageMasterUserPassword: true so RDS generates, stores and rotates it in Secrets Manager`,
        );
      }
    }),
    on<DocDbClusterArgs>("aws:docdb/cluster:Cluster", (c, ctx) => {
      if (given(c.masterPassword, c.masterPasswordWo)) {
        ctx.report("DocumentDB cluster sets masterPassword; set manageMasterUserPassword: true");
      }
    }),
    on<RedshiftClusterArgs>("aws:redshift/cluster:Cluster", (c, ctx) => {
      if (given(c.masterPassword, c.masterPasswordWo)) {
        ctx.report("Redshift cluster sets masterPassword; set manageMasterPassword: true");
      }
    }),
  ],
});
