/**
 * One tags/labels helper for every cloud. Precedence: component defaults < settings tags < per-resource.
 * Clouds with stricter label rules (GCP: lower-case, 63 chars; k8s label values) sanitise in their own files.
 */
export type Tags = Record<string, string>;

export interface TagContext {
  project: string;
  stack: string;
  environment: string;
  /** Tags from `loom:tags`. */
  tags?: Tags;
}

/** The tags every resource carries. `component` names the Loom component that owns it. */
export function baseTags(ctx: TagContext, component: string): Tags {
  return {
    project: ctx.project,
    environment: ctx.environment,
    stack: ctx.stack,
    component,
    "managed-by": "pulumi",
  };
}

/** Merge tag layers; later layers win. */
export function mergeTags(...layers: (Tags | undefined)[]): Tags {
  return Object.assign({}, ...layers.filter(Boolean));
}
