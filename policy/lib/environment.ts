/**
 * "Is this a production stack?" is pack config, never guessed from names: policy/config/prod.json sets
 * `environment: "prod"` for the rules that behave differently in production.
 */
import type { ConfigSchema } from "./rule";

export interface EnvironmentConfig {
  environment: string;
  productionEnvironments: string[];
}

export const environmentConfig: ConfigSchema<EnvironmentConfig> = {
  environment: {
    type: "string",
    default: "",
    description:
      "The stack's environment (dev, staging, prod), set by policy/config/<environment>.json. Empty means not production.",
  },
  productionEnvironments: {
    type: "array",
    items: { type: "string" },
    default: ["prod"],
    description: "Environments treated as production.",
  },
};

export function isProduction(c: EnvironmentConfig): boolean {
  return c.environment !== "" && c.productionEnvironments.includes(c.environment);
}
