/**
 * Kubernetes mock values: what the provider itself computes for an object. Ids stay `<name>-id` (the plan JSON of
 * every Kubernetes stack is pinned to them).
 */
import type { CloudMocks } from "./types";

export const kubernetes: CloudMocks = {
  computed({ name, inputs }, state) {
    if (inputs.metadata && typeof inputs.metadata === "object") {
      // The Kubernetes provider auto-names an object without metadata.name: `<logical name>-<8 random characters>`.
      const metadata = inputs.metadata as Record<string, unknown>;
      if (metadata.name === undefined) state.metadata = { ...metadata, name: `${name}-0mock0ab` };
    }
    return undefined;
  },
};
