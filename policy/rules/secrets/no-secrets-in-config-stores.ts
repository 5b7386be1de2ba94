/**
 * Plain configuration stores hold no secrets: Kubernetes ConfigMaps (the "k8s Secrets are not put in ConfigMaps"
 * guarantee), SSM String parameters, Azure App Configuration values. Each has a secret-grade sibling to use instead.
 */

import type { ParameterArgs } from "@pulumi/aws/ssm/parameter";
import type { KeyValueArgs } from "@pulumi/azure-native/appconfiguration/keyValue";
import type { ConfigMapArgs } from "@pulumi/kubernetes/core/v1/configMap";
import { lastSegment, obj } from "../../lib/props";
import { checks, rule } from "../../lib/rule";
import { type SensitiveNameConfig, sensitiveName, sensitiveNameConfig } from "../../lib/sensitive";

const on = checks<SensitiveNameConfig>();
const KEY_VAULT_REFERENCE = "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8";

export const noSecretsInConfigStores = rule<SensitiveNameConfig>({
  name: "no-secrets-in-config-stores",
  concern: "secrets",
  description:
    "Plain configuration stores hold no sensitive keys: Kubernetes ConfigMaps, SSM String/StringList parameters and Azure App Configuration values (use Secrets, SecureString parameters and Key Vault references).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Kubernetes: move the key to a Secret and consume it with secretKeyRef; AWS: use an SSM parameter of type SecureString (with a customer-managed keyId) or Secrets Manager; Azure App Configuration: store a Key Vault reference (contentType application/vnd.microsoft.appconfig.keyvaultref+json).",
  config: sensitiveNameConfig,
  checks: [
    on<ConfigMapArgs>("kubernetes:core/v1:ConfigMap", (cm, ctx) => {
      for (const [field, map] of [
        ["data", cm.data],
        ["binaryData", cm.binaryData],
      ] as const) {
        for (const key of Object.keys(obj(map))) {
          const pattern = sensitiveName(key, ctx.config);
          if (pattern) {
            ctx.report(
              `ConfigMap ${field} key "${key}" looks sensitive (matches the pattern "${pattern}"); ConfigMaps are not secret: put it in a Secret and reference it with secretKeyRef`,
            );
          }
        }
      }
    }),
    on<ParameterArgs>("aws:ssm/parameter:Parameter", (p, ctx) => {
      if (p.type === "SecureString") return;
      const name = p.name ?? ctx.name;
      const pattern = sensitiveName(lastSegment(name), ctx.config);
      if (pattern) {
        ctx.report(
          `SSM parameter "${name}" looks sensitive (matches the pattern "${pattern}") but has type "${p.type}"; use type "SecureString" with a customer-managed keyId`,
        );
      }
    }),
    on<KeyValueArgs>("azure-native:appconfiguration:KeyValue", (kv, ctx) => {
      const key = kv.keyValueName ?? ctx.name;
      const pattern = sensitiveName(key.split("$")[0] ?? key, ctx.config); // "Loom:Database:Password$prod" → LOOM_DATABASE_PASSWORD
      if (pattern && kv.contentType !== KEY_VAULT_REFERENCE) {
        ctx.report(
          `App Configuration key "${key}" looks sensitive (matches the pattern "${pattern}") but holds a plain value; store a Key Vault reference instead`,
        );
      }
    }),
  ],
});
