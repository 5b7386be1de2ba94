/**
 * Every loom-guard rule, in one array: imported by policy/index.ts (the pack), by the plan tool and by the tests.
 * Tests import this file, never index.ts (the PolicyPack constructor starts a gRPC server).
 *
 * One rule per file under rules/<concern>/, concept-first: each rule checks its concept on every cloud's resource
 * types (AWS, GCP, Azure, DigitalOcean, Kubernetes), matched by type token — no cloud SDK is loaded at runtime.
 */
import type { LoomPolicy } from "./lib/rule";
import { backupVaultEncrypted } from "./rules/encryption/backup-vault-encrypted";
import { datastoreEncryptedAtRest } from "./rules/encryption/datastore-encrypted-at-rest";
import { kmsKeyRotation } from "./rules/encryption/kms-key-rotation";
import { logGroupKms } from "./rules/encryption/log-group-kms";
import { messagingEncryptedAtRest } from "./rules/encryption/messaging-encrypted-at-rest";
import { objectStorageEncrypted } from "./rules/encryption/object-storage-encrypted";
import { volumeEncryptedAtRest } from "./rules/encryption/volume-encrypted-at-rest";
import { autoscalerBounded } from "./rules/limits/autoscaler-bounded";
import { containerResourceLimits } from "./rules/limits/container-resource-limits";
import { databaseNotPublic } from "./rules/network/database-not-public";
import { noOpenIngress } from "./rules/network/no-open-ingress";
import { objectStoragePrivate } from "./rules/network/object-storage-private";
import { backupRetention } from "./rules/resilience/backup-retention";
import { deletionProtection } from "./rules/resilience/deletion-protection";
import { databaseManagedCredentials } from "./rules/secrets/database-managed-credentials";
import { leastPrivilegeIdentity } from "./rules/secrets/least-privilege-identity";
import { noCredentialLiterals } from "./rules/secrets/no-credential-literals";
import { noPlaintextSecretEnv } from "./rules/secrets/no-plaintext-secret-env";
import { noSecretsInConfigStores } from "./rules/secrets/no-secrets-in-config-stores";
import { cloudRunIngressViaLb } from "./rules/tls/cloud-run-ingress-via-lb";
import { datastoreTlsRequired } from "./rules/tls/datastore-tls-required";
import { httpsOnlyEndpoints } from "./rules/tls/https-only-endpoints";
import { minTlsVersion } from "./rules/tls/min-tls-version";
import { notificationEndpointsTls } from "./rules/tls/notification-endpoints-tls";
import { containerHardening } from "./rules/workload/container-hardening";
import { hostHardening } from "./rules/workload/host-hardening";

export const policies: LoomPolicy[] = [
  // TLS in transit
  httpsOnlyEndpoints,
  minTlsVersion,
  datastoreTlsRequired,
  cloudRunIngressViaLb,
  notificationEndpointsTls,
  // Encryption at rest
  datastoreEncryptedAtRest,
  volumeEncryptedAtRest,
  objectStorageEncrypted,
  messagingEncryptedAtRest,
  backupVaultEncrypted,
  logGroupKms,
  kmsKeyRotation,
  // Resource limits
  containerResourceLimits,
  autoscalerBounded,
  // No plaintext secrets
  noPlaintextSecretEnv,
  noCredentialLiterals,
  noSecretsInConfigStores,
  databaseManagedCredentials,
  leastPrivilegeIdentity,
  // Beyond the four (advisory by default; policy/config/prod.json makes them mandatory)
  databaseNotPublic,
  noOpenIngress,
  deletionProtection,
  backupRetention,
  containerHardening,
  // Beyond the four, mandatory everywhere: nothing in them is a matter of environment
  objectStoragePrivate,
  hostHardening,
];
