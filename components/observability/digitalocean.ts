/**
 * Observability on DigitalOcean — STUB written with the contract; the observability helper replaces the body.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from ".";

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  _args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  throw new Error("Observability on digitalocean: not built yet");
}
