/**
 * Observability on Azure — STUB written with the contract; the observability helper replaces the body (see the brief).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ObservabilityOutputs, ResolvedObservabilityArgs } from ".";

export function create(
  _parent: pulumi.ComponentResource,
  _name: string,
  _args: ResolvedObservabilityArgs,
): ObservabilityOutputs {
  throw new Error("Observability on azure: not built yet");
}
