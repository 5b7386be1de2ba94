/**
 * Azure mock values, shaped like ARM returns them: resource ids
 * `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/<rg>/providers/Microsoft.X/<type>/<name>` (child
 * resources nested under their parent's id), PostgreSQL `<server>.postgres.database.azure.com`, Redis
 * `<name>.redis.cache.windows.net`, Container Apps `<app>.<env-domain>` with `<env-domain>` =
 * `<word>-<hash>.<region>.azurecontainerapps.io`, Key Vault URIs, identity client/principal ids. The subscription and
 * tenant are the all-zero GUID; the location is the resource's own `location`, else the stack's
 * `azure-native:location`.
 */
import { type CloudMocks, hex, type MockResource, obj, str, uuid } from "./types";

export const AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const AZURE_TENANT = "00000000-0000-0000-0000-000000000000";

/** ARM provider namespace per azure-native module. */
const NAMESPACES: Record<string, string> = {
  app: "Microsoft.App",
  applicationinsights: "Microsoft.Insights",
  appconfiguration: "Microsoft.AppConfiguration",
  authorization: "Microsoft.Authorization",
  cache: "Microsoft.Cache",
  containerinstance: "Microsoft.ContainerInstance",
  containerregistry: "Microsoft.ContainerRegistry",
  dataprotection: "Microsoft.DataProtection",
  dbforpostgresql: "Microsoft.DBforPostgreSQL",
  insights: "Microsoft.Insights",
  keyvault: "Microsoft.KeyVault",
  managedidentity: "Microsoft.ManagedIdentity",
  monitor: "Microsoft.Insights",
  network: "Microsoft.Network",
  operationalinsights: "Microsoft.OperationalInsights",
  portal: "Microsoft.Portal",
  privatedns: "Microsoft.Network",
  redis: "Microsoft.Cache",
  redisenterprise: "Microsoft.Cache",
  storage: "Microsoft.Storage",
  web: "Microsoft.Web",
};

/**
 * ARM type path per token, with the input that holds the resource's own name and, for child resources, the parent
 * segments (`["virtualNetworks", "virtualNetworkName"]` = `/virtualNetworks/<inputs.virtualNetworkName>`).
 * Tokens not listed get `<lowerCamel type>s` named by `<lowerCamel type>Name`.
 */
interface ArmType {
  path: string;
  nameKey?: string;
  parents?: [segment: string, inputKey: string][];
}
const ARM: Record<string, ArmType> = {
  "network:VirtualNetwork": { path: "virtualNetworks" },
  "network:Subnet": { path: "subnets", parents: [["virtualNetworks", "virtualNetworkName"]] },
  "network:NetworkSecurityGroup": { path: "networkSecurityGroups" },
  "network:SecurityRule": { path: "securityRules", parents: [["networkSecurityGroups", "networkSecurityGroupName"]] },
  "network:PublicIPAddress": { path: "publicIPAddresses", nameKey: "publicIpAddressName" },
  "network:ApplicationGateway": { path: "applicationGateways" },
  "network:WebApplicationFirewallPolicy": {
    path: "ApplicationGatewayWebApplicationFirewallPolicies",
    nameKey: "policyName",
  },
  "network:PrivateEndpoint": { path: "privateEndpoints" },
  "network:NatGateway": { path: "natGateways" },
  "network:FlowLog": { path: "flowLogs", parents: [["networkWatchers", "networkWatcherName"]] },
  "network:PrivateDnsZoneGroup": {
    path: "privateDnsZoneGroups",
    parents: [["privateEndpoints", "privateEndpointName"]],
  },
  "privatedns:PrivateZone": { path: "privateDnsZones" },
  "privatedns:VirtualNetworkLink": { path: "virtualNetworkLinks", parents: [["privateDnsZones", "privateZoneName"]] },
  "dbforpostgresql:Server": { path: "flexibleServers", nameKey: "serverName" },
  "dbforpostgresql:Configuration": { path: "configurations", parents: [["flexibleServers", "serverName"]] },
  "dbforpostgresql:FirewallRule": { path: "firewallRules", parents: [["flexibleServers", "serverName"]] },
  "dbforpostgresql:Database": { path: "databases", parents: [["flexibleServers", "serverName"]] },
  "dbforpostgresql:VirtualEndpoint": { path: "virtualendpoints", parents: [["flexibleServers", "serverName"]] },
  "dbforpostgresql:AdministratorsMicrosoftEntra": {
    path: "administrators",
    nameKey: "objectId",
    parents: [["flexibleServers", "serverName"]],
  },
  "redis:Redis": { path: "redis", nameKey: "name" },
  "cache:Redis": { path: "redis", nameKey: "name" },
  "redisenterprise:RedisEnterprise": { path: "redisEnterprise", nameKey: "clusterName" },
  "redisenterprise:Database": { path: "databases", parents: [["redisEnterprise", "clusterName"]] },
  "redisenterprise:AccessPolicyAssignment": {
    path: "accessPolicyAssignments",
    parents: [
      ["redisEnterprise", "clusterName"],
      ["databases", "databaseName"],
    ],
  },
  "keyvault:Vault": { path: "vaults", nameKey: "vaultName" },
  "keyvault:Secret": { path: "secrets", parents: [["vaults", "vaultName"]] },
  "keyvault:Key": { path: "keys", parents: [["vaults", "vaultName"]] },
  "storage:StorageAccount": { path: "storageAccounts", nameKey: "accountName" },
  "storage:BlobContainer": {
    path: "containers",
    nameKey: "containerName",
    parents: [
      ["storageAccounts", "accountName"],
      ["blobServices", "=default"],
    ],
  },
  "app:ManagedEnvironment": { path: "managedEnvironments", nameKey: "environmentName" },
  "app:ContainerApp": { path: "containerApps" },
  "app:Job": { path: "jobs" },
  "app:ManagedCertificate": { path: "managedCertificates", parents: [["managedEnvironments", "environmentName"]] },
  "app:Certificate": { path: "certificates", parents: [["managedEnvironments", "environmentName"]] },
  "operationalinsights:Workspace": { path: "workspaces" },
  "operationalinsights:Table": { path: "tables", parents: [["workspaces", "workspaceName"]] },
  "monitor:ActionGroup": { path: "actionGroups" },
  "monitor:MetricAlert": { path: "metricAlerts", nameKey: "ruleName" },
  "monitor:ScheduledQueryRule": { path: "scheduledQueryRules", nameKey: "ruleName" },
  "monitor:AutoscaleSetting": { path: "autoscalesettings" },
  "managedidentity:UserAssignedIdentity": { path: "userAssignedIdentities", nameKey: "resourceName" },
  "dataprotection:BackupVault": { path: "backupVaults", nameKey: "vaultName" },
  "dataprotection:BackupPolicy": { path: "backupPolicies", parents: [["backupVaults", "vaultName"]] },
  "dataprotection:BackupInstance": { path: "backupInstances", parents: [["backupVaults", "vaultName"]] },
  "web:WebApp": { path: "sites", nameKey: "name" },
  "appconfiguration:ConfigurationStore": { path: "configurationStores", nameKey: "configStoreName" },
  "containerinstance:ContainerGroup": { path: "containerGroups" },
};

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const locationOf = (r: MockResource) => str(r.inputs.location) ?? r.config["azure-native:location"] ?? "westeurope";
/** A public address from TEST-NET-3 (RFC 5737, documentation only). */
const publicIp = (seed: string) => `203.0.113.${1 + (Number.parseInt(hex(seed, 2), 16) % 254)}`;
/** The adjective-noun-hash default domain Azure gives a Container Apps environment. */
export const environmentDomain = (environment: string, location: string) =>
  `mockhill-${hex(`env/${environment}`, 8)}.${location}.azurecontainerapps.io`;

/** The resource's own name: its name input, else the logical name (azure-native would add a random suffix). */
function ownName(r: MockResource, arm: ArmType | undefined, typeName: string): string {
  for (const key of [arm?.nameKey, `${lowerFirst(typeName)}Name`, "name", "resourceName"]) {
    const v = key ? str(r.inputs[key]) : undefined;
    if (v) return v;
  }
  return r.name;
}

/** The ARM id of a resource, or undefined for an extension resource that hangs off another id. */
export function armId(r: MockResource): { id: string; name: string } {
  const [, module = "", typeName = ""] = r.type.split(":");
  const key = `${module}:${typeName}`;
  const arm = ARM[key];
  const name = ownName(r, arm, typeName);
  if (key === "resources:ResourceGroup")
    return { id: `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${name}`, name };
  if (key === "monitor:DiagnosticSetting" || key === "insights:DiagnosticSetting") {
    return { id: `${str(r.inputs.resourceUri) ?? ""}/providers/Microsoft.Insights/diagnosticSettings/${name}`, name };
  }
  if (key === "authorization:RoleAssignment") {
    const guid = str(r.inputs.roleAssignmentName) ?? uuid(`role/${r.name}`);
    return { id: `${str(r.inputs.scope) ?? ""}/providers/Microsoft.Authorization/roleAssignments/${guid}`, name: guid };
  }
  const rg = str(r.inputs.resourceGroupName) ?? "loom";
  const parents = (arm?.parents ?? [])
    .map(
      ([segment, input]) =>
        `/${segment}/${input.startsWith("=") ? input.slice(1) : (str(r.inputs[input]) ?? "unknown")}`,
    )
    .join("");
  const namespace = NAMESPACES[module] ?? `Microsoft.${module.charAt(0).toUpperCase()}${module.slice(1)}`;
  const path = arm?.path ?? `${lowerFirst(typeName)}s`;
  return {
    id: `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${rg}/providers/${namespace}${parents}/${path}/${name}`,
    name,
  };
}

export const azure: CloudMocks = {
  computed(r, state) {
    const { id, name } = armId(r);
    const location = locationOf(r);
    const [, module = "", typeName = ""] = r.type.split(":");
    state.name = name;
    switch (`${module}:${typeName}`) {
      case "dbforpostgresql:Server":
        state.fullyQualifiedDomainName = `${name}.postgres.database.azure.com`;
        state.state = "Ready";
        break;
      case "redis:Redis":
      case "cache:Redis":
        state.hostName = `${name}.redis.cache.windows.net`;
        state.port = 6379;
        state.sslPort = 6380;
        break;
      case "redisenterprise:RedisEnterprise":
        state.hostName = `${name}.${location}.redis.azure.net`;
        break;
      case "redisenterprise:Database":
        state.port ??= 10000;
        break;
      case "app:ManagedEnvironment": {
        state.defaultDomain = environmentDomain(name, location);
        state.staticIp = "10.0.16.4";
        state.customDomainConfiguration = {
          ...obj(r.inputs.customDomainConfiguration),
          customDomainVerificationId: hex(`verify/${name}`, 64).toUpperCase(),
        };
        break;
      }
      case "app:ContainerApp": {
        const environment = (str(r.inputs.managedEnvironmentId) ?? str(r.inputs.environmentId) ?? "loom")
          .split("/")
          .pop();
        const domain = environmentDomain(environment || "loom", location);
        const configuration = obj(r.inputs.configuration);
        const ingress = obj(configuration.ingress);
        // An internal-only app's FQDN has `.internal.` before the environment's domain.
        const fqdn = ingress.external === false ? `${name}.internal.${domain}` : `${name}.${domain}`;
        if (configuration.ingress) state.configuration = { ...configuration, ingress: { ...ingress, fqdn } };
        state.latestRevisionName = `${name}--0000001`;
        state.latestRevisionFqdn = `${name}--0000001.${domain}`;
        state.outboundIpAddresses = [publicIp(`out/${id}`)];
        state.customDomainVerificationId = hex(`verify/${environment}`, 64).toUpperCase();
        break;
      }
      case "keyvault:Vault":
        state.properties = { ...obj(r.inputs.properties), vaultUri: `https://${name}.vault.azure.net/` };
        break;
      case "keyvault:Secret": {
        const uri = `https://${str(r.inputs.vaultName) ?? "vault"}.vault.azure.net/secrets/${name}`;
        state.properties = {
          ...obj(r.inputs.properties),
          secretUri: uri,
          secretUriWithVersion: `${uri}/${hex(uri, 32)}`,
        };
        break;
      }
      case "keyvault:Key": {
        const uri = `https://${str(r.inputs.vaultName) ?? "vault"}.vault.azure.net/keys/${name}`;
        state.keyUri = uri;
        state.keyUriWithVersion = `${uri}/${hex(uri, 32)}`;
        break;
      }
      case "storage:StorageAccount":
        state.primaryEndpoints = {
          blob: `https://${name}.blob.core.windows.net/`,
          queue: `https://${name}.queue.core.windows.net/`,
          table: `https://${name}.table.core.windows.net/`,
          file: `https://${name}.file.core.windows.net/`,
          dfs: `https://${name}.dfs.core.windows.net/`,
          web: `https://${name}.z6.web.core.windows.net/`,
        };
        break;
      case "managedidentity:UserAssignedIdentity":
        state.clientId = uuid(`client/${id}`);
        state.principalId = uuid(`principal/${id}`);
        state.tenantId = AZURE_TENANT;
        break;
      case "operationalinsights:Workspace":
        state.customerId = uuid(`workspace/${id}`);
        break;
      case "dataprotection:BackupVault":
        // The system-assigned identity Azure creates with the vault.
        state.identity = { ...obj(r.inputs.identity), principalId: uuid(`principal/${id}`), tenantId: AZURE_TENANT };
        break;
      case "network:PublicIPAddress":
        state.ipAddress = publicIp(id);
        if (obj(r.inputs.dnsSettings).domainNameLabel) {
          state.dnsSettings = {
            ...obj(r.inputs.dnsSettings),
            fqdn: `${obj(r.inputs.dnsSettings).domainNameLabel}.${location}.cloudapp.azure.com`,
          };
        }
        break;
      case "network:PrivateEndpoint":
        state.networkInterfaces = [{ id: `${id.replace(/privateEndpoints\/.*$/, "networkInterfaces/")}${name}.nic` }];
        state.customDnsConfigs = [{ fqdn: `${name}.privatelink.azure.com`, ipAddresses: ["10.40.3.4"] }];
        break;
      case "privatedns:PrivateZone":
        state.numberOfRecordSets = 1;
        break;
      default:
        break;
    }
    return id;
  },
  invokes: {
    "azure-native:authorization:getClientConfig": () => ({
      clientId: "00000000-0000-0000-0000-000000000001",
      objectId: "00000000-0000-0000-0000-000000000002",
      subscriptionId: AZURE_SUBSCRIPTION,
      tenantId: AZURE_TENANT,
    }),
    // Managed Redis access keys: 44 base64-like characters in Azure; stable fake ones here.
    "azure-native:redisenterprise:listDatabaseKeys": (inputs) => {
      const db = `${str(inputs.resourceGroupName)}/${str(inputs.clusterName)}/${str(inputs.databaseName)}`;
      return { primaryKey: `mockprimary${hex(`p/${db}`, 33)}`, secondaryKey: `mocksecondary${hex(`s/${db}`, 31)}` };
    },
  },
};
