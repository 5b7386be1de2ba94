/**
 * Customer-managed encryption keys rotate automatically, at least every `maxRotationDays`.
 */
import type { KeyArgs as AwsKmsKeyArgs } from "@pulumi/aws/kms/key";
import type { KeyArgs as KeyVaultKeyArgs } from "@pulumi/azure-native/keyvault/key";
import type { CryptoKeyArgs } from "@pulumi/gcp/kms/cryptoKey";
import { isoDurationDays, protoDurationSeconds, q } from "../../lib/props";
import { checks, rule } from "../../lib/rule";

interface Config {
  maxRotationDays: number;
}
const on = checks<Config>();

export const kmsKeyRotation = rule<Config>({
  name: "kms-key-rotation",
  concern: "encryption",
  description:
    "Symmetric customer-managed keys rotate automatically, at least every maxRotationDays (AWS KMS, Cloud KMS, Key Vault).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'AWS: `enableKeyRotation: true` and `rotationPeriodInDays` ≤ the limit (components/lib/aws.ts `kmsKey` uses 365). GCP: `rotationPeriod` such as "7776000s" (90 days). Key Vault: a `rotationPolicy` with a lifetime action of type "rotate" and `timeAfterCreate` such as "P90D".',
  config: {
    maxRotationDays: {
      type: "integer",
      minimum: 90,
      maximum: 2560,
      default: 365,
      description: "Longest allowed rotation period in days (AWS allows 90–2560; CIS GCP asks 90).",
    },
  },
  checks: [
    on<AwsKmsKeyArgs>("aws:kms/key:Key", (k, ctx) => {
      const symmetric = (k.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
      const encryption = (k.keyUsage ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT";
      if (!symmetric || !encryption || k.customKeyStoreId) return; // AWS cannot rotate these automatically
      if (k.enableKeyRotation !== true) {
        ctx.report(`KMS key enableKeyRotation is ${q(k.enableKeyRotation ?? false)}; set enableKeyRotation: true`);
      } else if ((k.rotationPeriodInDays ?? 365) > ctx.config.maxRotationDays) {
        ctx.report(
          `KMS key rotationPeriodInDays is ${k.rotationPeriodInDays}, above the ${ctx.config.maxRotationDays}-day limit`,
        );
      }
    }),
    on<CryptoKeyArgs>("gcp:kms/cryptoKey:CryptoKey", (k, ctx) => {
      if ((k.purpose ?? "ENCRYPT_DECRYPT") !== "ENCRYPT_DECRYPT") return;
      const seconds = protoDurationSeconds(k.rotationPeriod);
      if (seconds === undefined) {
        ctx.report(
          `Cloud KMS key has no rotationPeriod; set rotationPeriod to at most "${ctx.config.maxRotationDays * 86400}s"`,
        );
      } else if (seconds > ctx.config.maxRotationDays * 86400) {
        ctx.report(
          `Cloud KMS key rotationPeriod is ${q(k.rotationPeriod)}, above the ${ctx.config.maxRotationDays}-day limit (${ctx.config.maxRotationDays * 86400}s)`,
        );
      }
    }),
    on<KeyVaultKeyArgs>("azure-native:keyvault:Key", (k, ctx) => {
      const policy = k.properties.rotationPolicy;
      const rotate = (policy?.lifetimeActions ?? []).find((a) => (a.action?.type ?? "").toLowerCase() === "rotate");
      if (!rotate) {
        ctx.report(
          'Key Vault key has no rotationPolicy lifetime action of type "rotate"; add one with trigger.timeAfterCreate (e.g. "P90D")',
        );
        return;
      }
      const after = isoDurationDays(rotate.trigger?.timeAfterCreate);
      const expiry = isoDurationDays(policy?.attributes?.expiryTime);
      const before = isoDurationDays(rotate.trigger?.timeBeforeExpiry);
      const days = after ?? (expiry !== undefined && before !== undefined ? expiry - before : undefined);
      if (days === undefined || days > ctx.config.maxRotationDays) {
        ctx.report(
          `Key Vault key rotates after ${days === undefined ? "an unknown period" : `${days} days`}, above the ${ctx.config.maxRotationDays}-day limit; set trigger.timeAfterCreate to at most "P${ctx.config.maxRotationDays}D"`,
        );
      }
    }),
  ],
});
