/**
 * Cache size classes mapped to ElastiCache node types (Graviton, current generation). Burstable t4g for small
 * caches; m7g for general purpose; r7g (memory optimised) where the queue and sessions outgrow memory.
 */

import { invalid } from "../lib/component";
import type { Tier } from "../profiles";

export const AWS_CACHE_NODE_TYPES: Readonly<Record<Tier, string>> = {
  small: "cache.t4g.small",
  medium: "cache.m7g.large",
  large: "cache.r7g.xlarge",
};

/** The ElastiCache node type for a cloud-neutral tier. */
export function awsCacheNodeType(tier: Tier): string {
  const nodeType = (AWS_CACHE_NODE_TYPES as Record<string, string>)[tier];
  if (!nodeType) invalid("tier", `"${tier}" is not one of ${Object.keys(AWS_CACHE_NODE_TYPES).join(", ")}`);
  return nodeType;
}
