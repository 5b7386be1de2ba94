/**
 * The CAs the app must trust on GCP. The app verifies its database and cache (DATABASE_SSLMODE=verify-full, TLS to
 * Memorystore), but Cloud SQL's Google-managed CAS CA and Memorystore's server CA are in no system trust store, so
 * the image cannot carry them: they are the stack's own. The program copies both PEM bundles (public data) into one
 * Secret Manager secret, which Cloud Run mounts as a file in every workload (`PGSSLROOTCERT`, `REDIS_CA_FILE`) —
 * the same two variables the Kubernetes target points at its namespace CA. A CA rotation updates the version, and
 * the next revision or execution reads it (`version: latest`).
 */
import { Secret } from "@pulumi/gcp/secretmanager/secret";
import { SecretIamMember } from "@pulumi/gcp/secretmanager/secretIamMember";
import { SecretVersion } from "@pulumi/gcp/secretmanager/secretVersion";
import * as pulumi from "@pulumi/pulumi";
import type { Identity } from "./gcp-identity";
import { SECRET_ACCESSOR } from "./gcp-identity";
import type { AppScope } from "./gcp-scope";
import type { Workload } from "./workload-secrets";

export const TRUST_VOLUME = "server-cas";
export const TRUST_DIR = "/etc/loom/ca";
export const TRUST_FILE = "server-cas.pem";

/** What a Cloud Run container needs to trust the stack's servers. */
export interface Trust {
  volume: { name: string; secret: { secret: pulumi.Output<string>; items: { version: string; path: string }[] } };
  mount: { name: string; mountPath: string };
  env: Record<string, string>;
}

/** The env of the trust file: libpq's root certificate and the app's Redis CA (components/lib/app-contract.ts). */
export function trustEnv(): Record<string, string> {
  const file = `${TRUST_DIR}/${TRUST_FILE}`;
  return { PGSSLROOTCERT: file, REDIS_CA_FILE: file };
}

/**
 * The secret holding `bundle`, readable by each workload's identity (the grant joins the identity's grants, so a
 * revision waits for it); undefined without a bundle (nothing to trust beyond the image's store).
 */
export function serverTrust(
  s: AppScope,
  bundle: pulumi.Input<string> | undefined,
  ids: Partial<Record<Workload | "db-roles", Identity>>,
): Trust | undefined {
  if (bundle === undefined) return undefined;
  const secret = new Secret(
    `${s.name}-server-cas`,
    {
      project: s.project,
      secretId: `${s.prefix}-server-cas`,
      replication: { userManaged: { replicas: [{ location: s.region }] } },
      labels: s.labels,
    },
    // Like every secret of a prod stack (tests/stacks.spec.ts), though its content is public and re-derivable.
    s.opts(true),
  );
  // Public certificates, but every generated secret version is shown as [secret] in plans (../shared/targets/gcp.md).
  const version = new SecretVersion(
    `${s.name}-server-cas`,
    { secret: secret.id, secretData: pulumi.secret(bundle) },
    s.opts(),
  );
  for (const [workload, identity] of Object.entries(ids)) {
    if (!identity) continue;
    identity.grants.push(
      new SecretIamMember(
        `${s.name}-${workload}-reads-server-cas`,
        { project: s.project, secretId: secret.id, role: SECRET_ACCESSOR, member: identity.account.member },
        s.opts(false, { dependsOn: [version] }),
      ),
    );
  }
  return {
    volume: {
      name: TRUST_VOLUME,
      secret: { secret: secret.secretId, items: [{ version: "latest", path: TRUST_FILE }] },
    },
    mount: { name: TRUST_VOLUME, mountPath: TRUST_DIR },
    env: trustEnv(),
  };
}
