/**
 * The one-off migration task of the Azure AppService, on the target's `migrateRunner`:
 *
 * - `job` (default): a Container Apps job in the app's environment (Manual trigger, one replica, never in parallel,
 *   at most one retry, 30 minutes per attempt), with the same Key Vault references as the apps (workload-secrets.ts:
 *   the database's only). `az containerapp job start --name … --resource-group …` runs it.
 * - `aci`: a Container Instances group in the network's `containerGroups` subnet (delegated to
 *   Microsoft.ContainerInstance/containerGroups, behind the NAT gateway; no public IP address, restart policy Never). ACI cannot resolve Key Vault references and its `secureValue` would need the value in Pulumi state, so
 *   the group carries only each secret's Key Vault URI (`<NAME>_KEYVAULT_URI`, not a credential) and its command
 *   first reads the values with its user-assigned identity (IMDS token for https://vault.azure.net, Key Vault REST
 *   7.4), then execs the migration; the image needs `sh`, `curl` and `sed`. Azure starts a container group when it
 *   is created, so a new group also runs the migration once (migrations are idempotent under their lock);
 *   `az container start --name … --resource-group …` runs it again.
 *
 * Both connect to PostgreSQL on 5432, bypassing PgBouncer (azure-apps.ts containerEnv).
 */
import { Job } from "@pulumi/azure-native/app/job";
import type { ManagedEnvironment } from "@pulumi/azure-native/app/managedEnvironment";
import { ContainerGroup } from "@pulumi/azure-native/containerinstance/containerGroup";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import type { SecretRef } from "../lib/secrets";
import { containerEnv, loginEnv } from "./azure-apps";
import { type AppScope, containerSecrets, type Identity } from "./azure-identity";
import { CONSUMPTION, type ContainerAppSize, containerAppName } from "./azure-sizing";

/** A migration attempt that runs longer than this is stopped (the Kubernetes Job's deadline is the same). */
export const MIGRATE_TIMEOUT_SECONDS = 1800;
/** One retry: a failed migration is looked at, not hammered (its lock makes a retry safe). */
export const MIGRATE_RETRY_LIMIT = 1;

export interface Migrate {
  id: pulumi.Output<string>;
  command: pulumi.Output<string>;
}

export function migrateRunner(
  s: AppScope,
  environment: ManagedEnvironment,
  size: ContainerAppSize,
  identity: Identity,
  secrets: Record<string, SecretRef>,
): Migrate {
  return s.platform.target.migrateRunner === "aci"
    ? migrateGroup(s, size, identity, secrets)
    : migrateJob(s, environment, size, identity, secrets);
}

function migrateJob(
  s: AppScope,
  environment: ManagedEnvironment,
  size: ContainerAppSize,
  identity: Identity,
  secrets: Record<string, SecretRef>,
): Migrate {
  const { args } = s;
  const cs = containerSecrets(secrets, identity.identity.id);
  const job = new Job(
    `${s.name}-migrate`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      jobName: containerAppName(s.prefix, "migrate"),
      environmentId: environment.id,
      workloadProfileName: CONSUMPTION,
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.identity.id] },
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: MIGRATE_TIMEOUT_SECONDS,
        replicaRetryLimit: MIGRATE_RETRY_LIMIT,
        secrets: cs.secrets,
      },
      template: {
        containers: [
          {
            name: "migrate",
            image: args.image,
            command: args.migrateCommand,
            env: containerEnv(s, "migrate", cs.env, loginEnv(s, "migrate", identity)),
            resources: { cpu: size.cpu, memory: size.memory },
          },
        ],
      },
      tags: s.tags,
    },
    s.opts(false, { dependsOn: identity.grants }),
  );
  return {
    id: job.id,
    command: pulumi.interpolate`az containerapp job start --name ${job.name} --resource-group ${s.resourceGroupName}`,
  };
}

/** `sh -c` script: fetch each `<NAME>_KEYVAULT_URI` into `<NAME>` with the identity's token, then exec "$@". */
export function keyVaultFetchScript(envNames: string[]): string {
  const token =
    'T=$(curl -sf -H Metadata:true "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=$AZURE_CLIENT_ID" | sed -n \'s/.*"access_token":"\\([^"]*\\)".*/\\1/p\')';
  const reads = envNames.map(
    (n) =>
      `${n}=$(curl -sf -H "Authorization: Bearer $T" "$${n}_KEYVAULT_URI?api-version=7.4" | sed -n 's/.*"value":"\\([^"]*\\)".*/\\1/p') && export ${n}`,
  );
  return ["set -eu", token, ...reads, 'exec "$@"'].join("\n");
}

/** The subnet delegated to Container Instances (network: present with `migrateRunner: aci`). */
export function aciSubnet(s: AppScope): pulumi.Output<string> {
  const subnet = (s.placement.subnets as { containerGroups?: pulumi.Output<string> }).containerGroups;
  if (subnet === undefined) {
    invalid(
      "network.placement.subnets.containerGroups",
      "migrateRunner aci needs the network's subnet delegated to Microsoft.ContainerInstance/containerGroups",
    );
  }
  return subnet;
}

function migrateGroup(
  s: AppScope,
  size: ContainerAppSize,
  identity: Identity,
  secrets: Record<string, SecretRef>,
): Migrate {
  const { args } = s;
  const subnet = aciSubnet(s);
  const names = Object.keys(secrets).sort();
  const uris = pulumi.all(names.map((n) => secrets[n]?.id as pulumi.Input<string>));
  // AZURE_CLIENT_ID is set below for the Key Vault reads in any case.
  const { AZURE_CLIENT_ID: _, ...login } = loginEnv(s, "migrate", identity);
  const env = containerEnv(s, "migrate", [], login).apply((list) =>
    list.map((e) => ({ name: e.name, value: "value" in e ? e.value : "" })),
  );
  const group = new ContainerGroup(
    `${s.name}-migrate`,
    {
      resourceGroupName: s.resourceGroupName,
      location: s.location,
      containerGroupName: containerAppName(s.prefix, "migrate"),
      osType: "Linux",
      sku: "Standard",
      restartPolicy: "Never",
      subnetIds: [{ id: subnet }],
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.identity.id] },
      containers: [
        {
          name: "migrate",
          image: args.image,
          command: ["sh", "-c", keyVaultFetchScript(names), "migrate", ...args.migrateCommand],
          environmentVariables: pulumi
            .all([env, identity.identity.clientId, uris])
            .apply(([plain, clientId, ids]) => [
              ...plain,
              { name: "AZURE_CLIENT_ID", value: clientId },
              ...names.map((n, i) => ({ name: `${n}_KEYVAULT_URI`, value: ids[i] as string })),
            ]),
          resources: { requests: { cpu: size.cpu, memoryInGB: Number.parseFloat(size.memory) } },
        },
      ],
      tags: s.tags,
    },
    s.opts(false, { dependsOn: identity.grants }),
  );
  return {
    id: group.id,
    command: pulumi.interpolate`az container start --name ${group.name} --resource-group ${s.resourceGroupName}`,
  };
}
