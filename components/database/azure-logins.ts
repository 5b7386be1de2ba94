/**
 * Who logs in to the Flexible Server, and how (tested in tests/components/db-logins.azure.spec.ts).
 *
 * - web, worker, migrate: Microsoft Entra authentication with each workload's user-assigned managed identity
 *   (AppService creates them, azure-identity.ts, named `<prefix>-<workload>`). The PostgreSQL role is named after the
 *   identity (the name the app sends as its user) and mapped to the identity's principal (object) id; the password is
 *   an Entra access token for `https://ossrdbms-aad.database.windows.net/.default`. No secret exists for these logins.
 *   The roles step creates each role with `pgaadauth_create_principal_with_oid(name, objectId, 'service', false,
 *   false)` (not an admin, no MFA) and grants its group; AppService passes them as `extra` (the Database does not know
 *   the principal ids: rolesStepEnv in workload-secrets.ts).
 * - admin (the roles step only): the Database's own user-assigned identity `<prefix>-db-roles`, registered as a second
 *   Entra administrator of the server (`pgaadauth_create_principal_with_oid` may only be called by one). It logs in
 *   with its token too, so no workload, not even the roles step, reads a database password.
 * - backup: the logical-backup job's user-assigned identity `<prefix>-backup-id`, an Entra login in loom_readonly.
 *   The Database creates it (azure.ts, aliased from its old home under Backups), not Backups: Backups is built after
 *   the AppService, whose roles step must know the identity's principal id to map it to its role. Backups runs the
 *   job under it (components/backups/azure-job.ts) and grants it the backup container and key, nothing else.
 * - The password administrator `loom_admin` (Key Vault) is no workload's login any more: break-glass only
 *   (docs/runbooks/credentials-azure.md), and in no group.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseAccess, DatabaseLogin } from "../lib/db-roles";

/** The roles step's identity, by its resource (and PostgreSQL role) name. */
export const ROLES_IDENTITY_SUFFIX = "db-roles";

/** A workload's user-assigned identity name (AppService creates it; the Entra role has the same name). */
export function workloadIdentityName(prefix: string, workload: "web" | "worker" | "migrate"): string {
  return `${prefix}-${workload}`;
}

/** The roles step's identity name (the second Entra administrator's principalName and role name). */
export function rolesIdentityName(prefix: string): string {
  return `${prefix}-${ROLES_IDENTITY_SUFFIX}`;
}

/** The logical-backup job's identity name (its Entra role's name too; the physical name Backups gave it). */
export function backupIdentityName(prefix: string): string {
  return `${prefix}-backup-id`;
}

/** The roles step's identity as AppService needs it to run the step under it. */
export interface EntraRolesIdentity {
  /** ARM id (the job's `identity.userAssignedIdentities`). */
  id: pulumi.Output<string>;
  /** AZURE_CLIENT_ID of the step (which identity the SDK asks a token for). */
  clientId: pulumi.Output<string>;
  name: pulumi.Output<string>;
}

/** The backup job's identity as Backups needs it: the roles above, and its principal for its Azure role grants. */
export interface EntraBackupIdentity extends EntraRolesIdentity {
  /** Principal (object) id: its Entra role's mapping and the principal of its Key Vault and storage grants. */
  principalId: pulumi.Output<string>;
}

/** What the Database on Azure adds to its access: the roles step's and the backup job's identities. */
export interface AzureDatabaseAccess extends DatabaseAccess {
  entra: { rolesIdentity: EntraRolesIdentity; backupIdentity: EntraBackupIdentity };
}

/** The identities of an Azure Database's access, or undefined for any other access. */
export function entraOf(access: DatabaseAccess): AzureDatabaseAccess["entra"] | undefined {
  return (access as Partial<AzureDatabaseAccess>).entra;
}

export interface AzureAccessArgs {
  prefix: string;
  database: pulumi.Input<string>;
  rolesIdentity: EntraRolesIdentity;
  backupIdentity: EntraBackupIdentity;
}

/**
 * web and worker (loom_app_rw), migrate (loom_owner) and backup (loom_readonly) as Entra logins named after their
 * identities, admin the roles identity. `roles.logins` holds the backup identity, the one whose principal id the
 * Database knows; AppService adds the workloads' (rolesStepEnv `extra`). The password administrator is in no group:
 * it used to be loom_readonly only because the backup job logged in as it (it is no superuser here, and PUBLIC
 * loses CONNECT), and the roles step's prune now takes that membership back.
 */
export function azureAccess(a: AzureAccessArgs): AzureDatabaseAccess {
  const entra = (username: pulumi.Input<string>): DatabaseLogin => ({ auth: "azure-entra", username });
  const backup = a.backupIdentity;
  return {
    logins: {
      web: entra(workloadIdentityName(a.prefix, "web")),
      worker: entra(workloadIdentityName(a.prefix, "worker")),
      migrate: entra(workloadIdentityName(a.prefix, "migrate")),
      backup: entra(backup.name),
      admin: entra(a.rolesIdentity.name),
    },
    roles: {
      database: a.database,
      logins: [{ name: backup.name, group: "readonly", create: "azure-entra", objectId: backup.principalId }],
    },
    entra: { rolesIdentity: a.rolesIdentity, backupIdentity: backup },
  };
}
