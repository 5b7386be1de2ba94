/**
 * AppService on Azure: Container Apps `web` and `worker` and a `migrate` job (or a Container Instances group, target
 * `migrateRunner: aci`) from one pinned image, in one VNet-integrated Container Apps environment
 * (azure-environment.ts), a user-assigned identity per workload with Key Vault Secrets User and every secret as a
 * Key Vault reference (azure-identity.ts), valid Consumption sizes and scale rules (azure-sizing.ts), and the edge:
 * - without `loadBalancer` (dev): a public environment, web serving `loom:domain` with a managed certificate
 *   (azure-domain.ts), narrower `ingressCidrs` as web's ingress IP restrictions;
 * - with it (staging, prod): an internal environment (web reachable only from the VNet) behind the Application
 *   Gateway with WAF (azure-edge.ts), end-to-end TLS to web's FQDN.
 * The worker has no ingress; the migrate task has none either.
 *
 * With a database (`args.database`, an Azure Database's access): each workload logs in as its managed identity
 * (Entra; DATABASE_AUTH azure-entra, DATABASE_USER the identity's name, AZURE_CLIENT_ID its client id, no password),
 * and the roles step `<prefix>-db-roles` (azure-roles.ts), the only holder of the roles identity, runs before migrate
 * (`migrateCommand`).
 */
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../lib/component";
import { imageRefProblem } from "../lib/image-ref";
import type { SecretRef } from "../lib/secrets";
import type { AppServiceOutputs, ResolvedAppServiceArgs } from ".";
import { containerApp } from "./azure-apps";
import { managedCertificate, verificationRecord } from "./azure-domain";
import { azureEdge } from "./azure-edge";
import { managedEnvironment, zoneRedundant } from "./azure-environment";
import { appScope, appSecrets, identities, telemetryWriters, workloadSecrets } from "./azure-identity";
import { aciSubnet, migrateRunner } from "./azure-migrate";
import { rolesStep } from "./azure-roles";
import { type ContainerAppSize, containerAppSize } from "./azure-sizing";
import { WORKLOADS, type Workload } from "./workload-secrets";

/** What Observability on Azure builds Container Apps / Application Gateway alerts and dashboards from. */
export interface AzureAppMonitoring {
  cloud: "azure";
  /** ARM ids of the web and worker container apps (metric alert scopes). */
  webAppId: pulumi.Output<string>;
  workerAppId: pulumi.Output<string>;
  /** The migrate runner's ARM id (Container Apps job or container group). */
  migrateId: pulumi.Output<string>;
  /** The Application Gateway's ARM id; none without the load balancer (dev). */
  gatewayId?: pulumi.Output<string>;
  /** Host an availability test calls (the domain). */
  publicHost: pulumi.Output<string>;
  healthPath: string;
}

/**
 * Where other components run their own containers beside the app (Azure: the Container Apps environment, which
 * the logical-backup job joins — one environment per subnet, and it has the VNet, NAT and the workspace already).
 */
export interface AzureAppRuntime {
  cloud: "azure";
  environmentId: pulumi.Output<string>;
  environmentName: pulumi.Output<string>;
}

const ALL_CLIENTS = ["0.0.0.0/0", "::/0"];

export function create(
  parent: pulumi.ComponentResource,
  name: string,
  args: ResolvedAppServiceArgs,
): AppServiceOutputs {
  // Everything that can be wrong with the args fails here, before the first resource.
  const sizes = workloadSizes(args);
  const s = appScope(parent, name, args);
  if (s.platform.target.migrateRunner === "aci") aciSubnet(s);
  const app = appSecrets(s);
  // Every workload exports to Application Insights (the Azure Monitor OpenTelemetry distro reads this variable).
  const telemetry = { APPLICATIONINSIGHTS_CONNECTION_STRING: s.platform.telemetry.connectionString };
  const secrets = Object.fromEntries(
    WORKLOADS.map((w) => [w, { ...workloadSecrets(s, w, app), ...telemetry }]),
  ) as unknown as Record<Workload, Record<string, SecretRef>>;
  const ids = identities(s, secrets);
  telemetryWriters(s, ids);
  const environment = managedEnvironment(s);
  const verification = args.loadBalancer ? undefined : verificationRecord(s, environment);
  const restricted = args.ingressCidrs.filter((c) => !ALL_CLIENTS.includes(c));
  const web = containerApp(s, {
    workload: "web",
    environment,
    size: sizes.web,
    identity: ids.web,
    secrets: secrets.web,
    ...(args.loadBalancer ? {} : { customDomains: [{ name: args.domain, bindingType: "Auto" }] }),
    ...(!args.loadBalancer && restricted.length > 0
      ? {
          ipSecurityRestrictions: restricted.map((cidr, i) => ({
            name: `allow-${i + 1}`,
            action: "Allow",
            ipAddressRange: cidr,
          })),
        }
      : {}),
    ...(verification ? { dependsOn: [verification] } : {}),
  });
  const worker = containerApp(s, {
    workload: "worker",
    environment,
    size: sizes.worker,
    identity: ids.worker,
    secrets: secrets.worker,
  });
  const migrate = migrateRunner(s, environment, sizes.migrate, ids.migrate, secrets.migrate);
  const roles = rolesStep(s, environment, ids);
  const webFqdn = web.configuration.apply((c) => c?.ingress?.fqdn ?? "");
  if (!args.loadBalancer) managedCertificate(s, environment, web, webFqdn);
  const front = args.loadBalancer
    ? azureEdge(s, s.placement, {
        backendFqdn: webFqdn,
        domain: args.domain,
        waf: args.waf,
        rateLimitPer5Min: args.rateLimitPer5Min,
        ingressCidrs: args.ingressCidrs,
        healthPath: args.app.healthPath,
        metricsPath: args.app.metricsPath,
        zoneRedundant: zoneRedundant(args),
      })
    : undefined;
  return {
    url: front ? front.url : pulumi.output(`https://${args.domain}`),
    edgeHostname: front ? front.edgeHostname : webFqdn,
    monitoring: {
      cloud: "azure",
      webAppId: web.id,
      workerAppId: worker.id,
      migrateId: migrate.id,
      ...(front ? { gatewayId: front.gatewayId } : {}),
      publicHost: pulumi.output(args.domain),
      healthPath: args.app.healthPath,
    },
    // The roles step first, to its end (its own job, the roles identity), then migrate; none on a failed step.
    migrateCommand: roles ? pulumi.interpolate`${roles.command} && ${migrate.command}` : migrate.command,
    runtime: { cloud: "azure", environmentId: environment.id, environmentName: environment.name },
  };
}

/**
 * The args checks that need no resource, then Consumption sizes per workload; migrations run with the web tier's
 * size (same code, same memory profile).
 */
function workloadSizes(args: ResolvedAppServiceArgs): Record<Workload, ContainerAppSize> {
  const problem = imageRefProblem(args.image);
  if (problem) invalid("image", problem);
  if (!args.loadBalancer && args.waf) {
    invalid(
      "waf",
      "needs loadBalancer on Azure: the WAF policy attaches to the Application Gateway; Container Apps has none",
    );
  }
  return {
    web: containerAppSize("web", args.web.cpu, args.web.memoryMiB),
    worker: containerAppSize("worker", args.worker.cpu, args.worker.memoryMiB),
    migrate: containerAppSize("web", args.web.cpu, args.web.memoryMiB),
  };
}
