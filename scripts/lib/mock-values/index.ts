/**
 * The mock engine's computed values, one table per provider (scripts/lib/mock-values/<cloud>.ts), picked by the
 * type token's package (`gcp:sql/databaseInstance:DatabaseInstance` → gcp). A new cloud adds its file and one line.
 */
import { aws } from "./aws";
import { azure } from "./azure";
import { digitalocean } from "./digitalocean";
import { gcp } from "./gcp";
import { kubernetes } from "./kubernetes";
import { random } from "./random";
import type { CloudMocks } from "./types";

export { FAKE_ACCOUNT } from "./aws";
export type { CloudMocks, MockResource } from "./types";

/** Tables by package name: the first segment of a type token, or the provider name of `pulumi:providers:<name>`. */
export const MOCK_VALUES: Record<string, CloudMocks> = {
  aws,
  kubernetes,
  gcp,
  "azure-native": azure,
  digitalocean,
  random,
};

/** The table for a type or invoke token (undefined for packages without one, e.g. `pulumi:`). */
export function tableFor(token: string): CloudMocks | undefined {
  return MOCK_VALUES[token.split(":")[0] ?? ""];
}
