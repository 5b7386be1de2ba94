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
 * - backup: the server's password administrator `loom_admin` (Key Vault), which the logical-backup job reads today
 *   (components/backups/azure-job.ts: `job.database.credentials`); its own identity is created by Backups, after
 *   the AppService, so nothing here can map it to a role yet. The password administrator also stays for break-glass
 *   (docs/runbooks/credentials-azure.md).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DatabaseAccess, DatabaseLogin } from "../lib/db-roles";
import type { SecretRef } from "../lib/secrets";

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

/** The roles step's identity as AppService needs it to run the step under it. */
export interface EntraRolesIdentity {
  /** ARM id (the job's `identity.userAssignedIdentities`). */
  id: pulumi.Output<string>;
  /** AZURE_CLIENT_ID of the step (which identity the SDK asks a token for). */
  clientId: pulumi.Output<string>;
  name: pulumi.Output<string>;
}

/** What the Database on Azure adds to its access: the roles step's identity. */
export interface AzureDatabaseAccess extends DatabaseAccess {
  entra: { rolesIdentity: EntraRolesIdentity };
}

/** The roles identity of an Azure Database's access, or undefined for any other access. */
export function entraOf(access: DatabaseAccess): AzureDatabaseAccess["entra"] | undefined {
  return (access as Partial<AzureDatabaseAccess>).entra;
}

export interface AzureAccessArgs {
  prefix: string;
  database: pulumi.Input<string>;
  rolesIdentity: EntraRolesIdentity;
  /** The password administrator (backup login, break-glass): its name and its two Key Vault secrets. */
  passwordAdmin: { name: string; username: SecretRef; password: SecretRef };
}

/**
 * web and worker (loom_app_rw) and migrate (loom_owner) as Entra logins named after their identities, admin the
 * roles identity, backup the password administrator. `roles.logins` holds only the password administrator, in
 * loom_readonly: it is no superuser on Flexible Server, so once the roles step has taken CONNECT from PUBLIC and
 * the tables belong to loom_owner, the backup job could not even connect without that group. Every Entra role
 * needs its principal id, which only AppService has (it adds them as `extra`).
 */
export function azureAccess(a: AzureAccessArgs): AzureDatabaseAccess {
  const entra = (username: pulumi.Input<string>): DatabaseLogin => ({ auth: "azure-entra", username });
  return {
    logins: {
      web: entra(workloadIdentityName(a.prefix, "web")),
      worker: entra(workloadIdentityName(a.prefix, "worker")),
      migrate: entra(workloadIdentityName(a.prefix, "migrate")),
      backup: { auth: "password", username: a.passwordAdmin.username, password: a.passwordAdmin.password },
      admin: entra(a.rolesIdentity.name),
    },
    roles: { database: a.database, logins: [{ name: a.passwordAdmin.name, group: "readonly", create: "platform" }] },
    entra: { rolesIdentity: a.rolesIdentity },
  };
}
