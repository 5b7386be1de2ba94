/**
 * Backups on DigitalOcean — STUB written with the contract; the backups helper replaces the body.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BackupsOutputs, ResolvedBackupsArgs } from ".";

export function create(_parent: pulumi.ComponentResource, _name: string, _args: ResolvedBackupsArgs): BackupsOutputs {
  throw new Error("Backups on digitalocean: not built yet");
}
