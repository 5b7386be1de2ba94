/**
 * Which environment-variable names hold credentials: the program's side of the ONE rule the loom-guard pack
 * applies (policy/lib/sensitive.ts). `isSensitiveEnvName` calls the pack's `sensitiveName` with the pack's default
 * configuration, so settings (loom:appEnv), the app-service contract and the pack agree exactly:
 * S3_ACCESS_KEY, PASSPHRASE, SIGNING_KEY, OPENAI_API_KEY are credentials; GIT_AUTHOR_NAME, LLM_MAX_TOKENS,
 * DATABASE_HOST, TOKEN_URL are not. Pure: no Pulumi import at run time (the pack module imports only types).
 */
import { type SensitiveNameConfig, sensitiveName, sensitiveNameConfig } from "../../policy/lib/sensitive";

/** The pack's defaults for its sensitive-name properties (the values `policy/config/*.json` start from). */
export const SENSITIVE_NAME_DEFAULTS: SensitiveNameConfig = {
  sensitiveNamePatterns: sensitiveNameConfig.sensitiveNamePatterns.default,
  exemptNameSuffixes: sensitiveNameConfig.exemptNameSuffixes.default,
  exemptNameQualifiers: sensitiveNameConfig.exemptNameQualifiers.default,
};

/** The pack's pattern `name` matches (e.g. "ACCESS_?KEYS?"), or undefined when the name is not a credential. */
export function sensitiveEnvPattern(name: string): string | undefined {
  return sensitiveName(name, SENSITIVE_NAME_DEFAULTS);
}

/** True when a variable called `name` would hold a credential (and so belongs in the secret store). */
export function isSensitiveEnvName(name: string): boolean {
  return sensitiveEnvPattern(name) !== undefined;
}
