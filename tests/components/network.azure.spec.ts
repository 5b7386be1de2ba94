import * as assert from "node:assert/strict";
import { Network, type NetworkArgs } from "../../components/network";
import { planAzureAddresses } from "../../components/network/azure-addresses";
import { flowLogAccountName } from "../../components/network/azure-flow-logs";
import { type AzureSecurityRule, clientSource, securityRules } from "../../components/network/azure-security";
import { keyVaultName } from "../../components/platform/azure";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { hex, uuid } from "../../scripts/lib/mock-values/types";
import { context, ofType, one, runComponents } from "../harness/program";
import {
  AZURE_CONFIG,
  AZURE_SUBSCRIPTION,
  azureTarget,
  staticAzurePlatform,
  withAzurePlatform,
} from "./azure-fixtures";

const T = (t: string) => `azure-native:${t}`;
const VNET = T("network:VirtualNetwork");
const SUBNET = T("network:Subnet");
const NSG = T("network:NetworkSecurityGroup");
const IP = T("network:PublicIPAddress");
const NAT = T("network:NatGateway");
const FLOW_LOG = T("network:FlowLog");
const ACCOUNT = T("storage:StorageAccount");
const IDENTITY = T("managedidentity:UserAssignedIdentity");
const ROLE = T("authorization:RoleAssignment");
const ZONE = T("privatedns:PrivateZone");
const LINK = T("privatedns:VirtualNetworkLink");
const ENDPOINT = T("network:PrivateEndpoint");
const ZONE_GROUP = T("network:PrivateDnsZoneGroup");
const DIAGNOSTICS = T("monitor:DiagnosticSetting");

type Env = "dev" | "staging" | "prod";
const RG = (env: string) => `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/loom-${env}`;
const NET = (env: string) => `${RG(env)}/providers/Microsoft.Network`;
const VNET_ID = (env: string) => `${NET(env)}/virtualNetworks/loom-${env}-vnet`;
const SUBNET_ID = (env: string, subnet: string) => `${VNET_ID(env)}/subnets/${subnet}`;
const NSG_ID = (env: string, role: string) => `${NET(env)}/networkSecurityGroups/loom-${env}-${role}`;
const NAT_ID = (env: string) => `${NET(env)}/natGateways/loom-${env}-nat`;
const IP_ID = (env: string) => `${NET(env)}/publicIPAddresses/loom-${env}-nat`;
const ZONE_ID = (env: string, zone: string) => `${NET(env)}/privateDnsZones/${zone}`;
const WORKSPACE_ID = (env: string) => `${RG(env)}/providers/Microsoft.OperationalInsights/workspaces/loom-${env}-logs`;
const ACCOUNT_ID = (env: string) =>
  `${RG(env)}/providers/Microsoft.Storage/storageAccounts/${flowLogAccountName(`loom-${env}`)}`;
const IDENTITY_ID = (env: string) =>
  `${RG(env)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/loom-${env}-flow-logs`;
/** The mock engine's address for a public IP (TEST-NET-3). */
const MOCK_IP = (id: string) => `203.0.113.${1 + (Number.parseInt(hex(id, 2), 16) % 254)}`;

function argsFor(env: Env, over: Partial<NetworkArgs> = {}): NetworkArgs {
  const days = { dev: 7, staging: 30, prod: 90 }[env];
  return {
    platform: staticAzurePlatform(),
    context: context(env),
    protect: env === "prod",
    flowLogRetentionDays: days,
    ...(env === "prod"
      ? { cidr: "10.50.0.0/16", zones: 3, natGateways: "perZone", ingressCidrs: ["203.0.113.0/24"] }
      : {}),
    ...(env === "staging" ? { cidr: "10.60.0.0/20" } : {}),
    ...over,
  };
}

async function build(args: NetworkArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const n = new Network("loom", withAzurePlatform(args));
    return { networkId: n.networkId, cidr: n.cidr, zones: n.zones, placement: n.placement, tiers: n.tiers };
  }, AZURE_CONFIG);
}

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
const own = (run: ProgramRun) => run.resources.filter((r) => r.custom && r.parent?.includes("Network"));
const rulesOf = (run: ProgramRun, role: string) => inputs(one(run, NSG, `loom-${role}-nsg`)).securityRules;
const TAGS = (env: Env) => ({
  project: "loom",
  environment: env,
  stack: env,
  component: "network",
  "managed-by": "pulumi",
  team: "platform",
});

describe("Network on Azure", () => {
  const runs = {} as Record<Env, ProgramRun>;
  let aci: ProgramRun;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(argsFor(env));
    aci = await build({ ...argsFor("dev"), platform: staticAzurePlatform(azureTarget({ migrateRunner: "aci" })) });
  });

  it("builds one VNet over the cidr in the stack's resource group", () => {
    assert.deepEqual(inputs(one(runs.prod, VNET, "loom-vnet")), {
      resourceGroupName: "loom-prod",
      location: "westeurope",
      virtualNetworkName: "loom-prod-vnet",
      addressSpace: { addressPrefixes: ["10.50.0.0/16"] },
      // The SDK's defaults, as the engine receives them.
      enableDdosProtection: false,
      enableVmProtection: false,
      tags: TAGS("prod"),
    });
    assert.deepEqual(inputs(one(runs.staging, VNET)).addressSpace, { addressPrefixes: ["10.60.0.0/20"] });
  });

  it("has gateway, apps (/23, Container Apps, NAT), database (PostgreSQL) and endpoints subnets, each with its NSG", () => {
    const env = "prod";
    // The SDK defaults private endpoint policies to Disabled and private link service policies to Enabled.
    const base = {
      resourceGroupName: "loom-prod",
      virtualNetworkName: "loom-prod-vnet",
      privateEndpointNetworkPolicies: "Disabled",
      privateLinkServiceNetworkPolicies: "Enabled",
    };
    const nsg = (role: string) => ({ networkSecurityGroup: { id: NSG_ID(env, role) } });
    assert.deepEqual(
      ofType(runs.prod, SUBNET).map((s) => [s.name, inputs(s)]),
      [
        ["loom-gateway", { ...base, subnetName: "gateway", addressPrefix: "10.50.2.0/24", ...nsg("gateway") }],
        [
          "loom-apps",
          {
            ...base,
            subnetName: "apps",
            addressPrefix: "10.50.0.0/23",
            ...nsg("apps"),
            delegations: [{ name: "apps", serviceName: "Microsoft.App/environments" }],
            natGateway: { id: NAT_ID(env) },
            defaultOutboundAccess: false,
          },
        ],
        [
          "loom-database",
          {
            ...base,
            subnetName: "database",
            addressPrefix: "10.50.3.0/24",
            ...nsg("database"),
            delegations: [{ name: "database", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
          },
        ],
        [
          "loom-endpoints",
          {
            ...base,
            subnetName: "endpoints",
            addressPrefix: "10.50.4.0/24",
            ...nsg("endpoints"),
            defaultOutboundAccess: false,
            privateEndpointNetworkPolicies: "Enabled",
          },
        ],
      ],
    );
    assert.deepEqual(
      ofType(runs.staging, SUBNET).map((s) => inputs(s).addressPrefix),
      ["10.60.2.0/24", "10.60.0.0/23", "10.60.3.0/24", "10.60.4.0/24"],
    );
  });

  it("gives the ACI migrate runner its own delegated subnet behind the NAT, only with migrateRunner aci", () => {
    assert.equal(ofType(runs.dev, SUBNET).length, 4);
    assert.equal(Object.hasOwn((runs.dev.outputs.placement as { subnets: object }).subnets, "containerGroups"), false);
    assert.deepEqual(inputs(one(aci, SUBNET, "loom-containerGroups")), {
      resourceGroupName: "loom-dev",
      virtualNetworkName: "loom-dev-vnet",
      subnetName: "container-groups",
      addressPrefix: "10.40.5.0/24",
      networkSecurityGroup: { id: NSG_ID("dev", "containerGroups") },
      delegations: [{ name: "containerGroups", serviceName: "Microsoft.ContainerInstance/containerGroups" }],
      natGateway: { id: NAT_ID("dev") },
      defaultOutboundAccess: false,
      privateEndpointNetworkPolicies: "Disabled",
      privateLinkServiceNetworkPolicies: "Enabled",
    });
    const placement = aci.outputs.placement as { subnets: Record<string, string> };
    assert.equal(placement.subnets.containerGroups, SUBNET_ID("dev", "container-groups"));
    // It reaches PostgreSQL and the endpoints like the apps subnet.
    assert.deepEqual(rulesOf(aci, "database")[0].sourceAddressPrefixes, ["10.40.0.0/23", "10.40.5.0/24"]);
    assert.deepEqual(rulesOf(aci, "endpoints")[0].sourceAddressPrefixes, ["10.40.0.0/23", "10.40.5.0/24"]);
    assert.equal(rulesOf(runs.dev, "database")[0].sourceAddressPrefix, "10.40.0.0/23");
  });

  it("admits from the Internet only 80/443 to the gateway and GatewayManager's 65200-65535, in every stack", () => {
    const open = new Set(["*", "Internet", "0.0.0.0/0"]);
    for (const run of [runs.dev, runs.staging, runs.prod, aci]) {
      assert.equal(ofType(run, NSG).length, ofType(run, SUBNET).length);
      for (const group of ofType(run, NSG)) {
        for (const rule of inputs(group).securityRules as AzureSecurityRule[]) {
          const sources = rule.sourceAddressPrefixes ?? [rule.sourceAddressPrefix];
          if (rule.access !== "Allow" || !sources.some((p) => open.has(p as string))) continue;
          const ports = rule.destinationPortRanges ?? [rule.destinationPortRange];
          assert.ok(
            group.name === "loom-gateway-nsg" && ["80,443", "65200-65535"].includes(ports.join(",")),
            `${group.name} ${rule.name} admits ${sources} on ${ports}`,
          );
        }
      }
    }
  });

  it("the gateway NSG admits GatewayManager, the load balancer and clients, and denies other Internet sources", () => {
    const rules = rulesOf(runs.prod, "gateway") as AzureSecurityRule[];
    assert.deepEqual(
      rules.map((r) => [r.name, r.priority, r.access, r.protocol, r.sourceAddressPrefix, r.destinationAddressPrefix]),
      [
        ["allow-gateway-manager", 100, "Allow", "Tcp", "GatewayManager", "*"],
        ["allow-azure-load-balancer", 110, "Allow", "*", "AzureLoadBalancer", "*"],
        ["allow-clients", 120, "Allow", "Tcp", "203.0.113.0/24", "10.50.2.0/24"],
        ["deny-internet-inbound", 4096, "Deny", "*", "Internet", "*"],
      ],
    );
    assert.deepEqual(rules[0]?.destinationPortRange, "65200-65535");
    assert.deepEqual(rules[2]?.destinationPortRanges, ["80", "443"]);
    for (const r of rules) assert.deepEqual([r.direction, r.sourcePortRange], ["Inbound", "*"]);
    // Without narrower ranges, the clients are the Internet service tag.
    assert.equal(rulesOf(runs.dev, "gateway")[2].sourceAddressPrefix, "Internet");
  });

  it("each private subnet admits only the tiers that use it, then denies the rest of the VNet", () => {
    const summary = (run: ProgramRun, role: string) =>
      (rulesOf(run, role) as AzureSecurityRule[]).map((r) => [
        r.name,
        r.priority,
        r.access,
        r.sourceAddressPrefix ?? r.sourceAddressPrefixes,
        r.destinationAddressPrefix,
        r.destinationPortRange ?? r.destinationPortRanges,
      ]);
    const denyVnet = ["deny-vnet-inbound", 4096, "Deny", "VirtualNetwork", "*", "*"];
    const lb = (priority: number, to: string) => [
      "allow-azure-load-balancer",
      priority,
      "Allow",
      "AzureLoadBalancer",
      to,
      "*",
    ];
    assert.deepEqual(summary(runs.prod, "apps"), [
      ["allow-gateway", 100, "Allow", "10.50.2.0/24", "10.50.0.0/23", ["80", "443"]],
      ["allow-apps", 110, "Allow", "10.50.0.0/23", "10.50.0.0/23", "*"],
      lb(120, "10.50.0.0/23"),
      denyVnet,
    ]);
    assert.deepEqual(summary(runs.prod, "database"), [
      ["allow-app-postgres", 100, "Allow", "10.50.0.0/23", "10.50.3.0/24", ["5432", "6432"]],
      ["allow-database", 110, "Allow", "10.50.3.0/24", "10.50.3.0/24", "*"],
      lb(120, "10.50.3.0/24"),
      denyVnet,
    ]);
    assert.deepEqual(summary(runs.prod, "endpoints"), [
      ["allow-app-endpoints", 100, "Allow", "10.50.0.0/23", "10.50.4.0/24", ["443", "10000"]],
      ["allow-gateway-vault", 110, "Allow", "10.50.2.0/24", "10.50.4.0/24", "443"],
      denyVnet,
    ]);
    assert.deepEqual(summary(aci, "containerGroups"), [denyVnet]);
  });

  it("egresses through a Standard NAT gateway with one static Standard IP, protected in prod", () => {
    for (const env of ["dev", "prod"] as const) {
      const ip = one(runs[env], IP, "loom-nat-ip");
      assert.deepEqual(inputs(ip), {
        resourceGroupName: `loom-${env}`,
        location: "westeurope",
        publicIpAddressName: `loom-${env}-nat`,
        sku: { name: "Standard", tier: "Regional" },
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
        tags: TAGS(env),
      });
      assert.equal(ip.protect, env === "prod");
      const nat = one(runs[env], NAT, "loom-nat");
      assert.deepEqual(inputs(nat), {
        resourceGroupName: `loom-${env}`,
        location: "westeurope",
        natGatewayName: `loom-${env}-nat`,
        sku: { name: "Standard" },
        publicIpAddresses: [{ id: IP_ID(env) }],
        tags: TAGS(env),
      });
      const placement = runs[env].outputs.placement as { egressIp: string };
      assert.equal(placement.egressIp, MOCK_IP(IP_ID(env)));
    }
  });

  it("logs the VNet's flows to a locked-down account for flowLogRetentionDays, with traffic analytics", () => {
    for (const [env, days] of [
      ["dev", 7],
      ["staging", 30],
      ["prod", 90],
    ] as const) {
      const run = runs[env];
      assert.deepEqual(inputs(one(run, FLOW_LOG, "loom-flow-log")), {
        resourceGroupName: "NetworkWatcherRG",
        networkWatcherName: "NetworkWatcher_westeurope",
        flowLogName: `loom-${env}-vnet`,
        location: "westeurope",
        targetResourceId: VNET_ID(env),
        storageId: ACCOUNT_ID(env),
        identity: { type: "UserAssigned", userAssignedIdentities: [IDENTITY_ID(env)] },
        enabled: true,
        format: { type: "JSON", version: 2 },
        retentionPolicy: { enabled: true, days },
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: {
            enabled: true,
            workspaceId: uuid(`workspace/${WORKSPACE_ID(env)}`),
            workspaceRegion: "westeurope",
            workspaceResourceId: WORKSPACE_ID(env),
            trafficAnalyticsInterval: 10,
          },
        },
        tags: TAGS(env),
      });
      // No Network Watcher is created: Azure has one per region and subscription.
      assert.deepEqual(ofType(run, T("network:NetworkWatcher")), []);
    }
  });

  it("keeps the flow logs in an account with TLS 1.2, HTTPS only, no public blobs, double encryption, no shared keys", () => {
    for (const env of ["dev", "prod"] as const) {
      const account = one(runs[env], ACCOUNT, "loom-flow-logs");
      assert.deepEqual(inputs(account), {
        resourceGroupName: `loom-${env}`,
        location: "westeurope",
        accountName: flowLogAccountName(`loom-${env}`),
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: true },
        networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
        tags: TAGS(env),
      });
      assert.equal(account.protect, env === "prod");
    }
  });

  it("lets Network Watcher write with the flow log's identity, Storage Blob Data Contributor on that account only", () => {
    assert.deepEqual(inputs(one(runs.prod, IDENTITY, "loom-flow-logs")), {
      resourceGroupName: "loom-prod",
      location: "westeurope",
      resourceName: "loom-prod-flow-logs",
      tags: TAGS("prod"),
    });
    assert.deepEqual(inputs(one(runs.prod, ROLE, "loom-flow-logs-writer")), {
      principalId: uuid(`principal/${IDENTITY_ID("prod")}`),
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${AZURE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
      scope: ACCOUNT_ID("prod"),
    });
  });

  it("links private DNS zones for PostgreSQL, Redis and Key Vault to the VNet without auto-registration", () => {
    const zones = [
      "loom-prod.private.postgres.database.azure.com",
      "privatelink.redis.azure.net",
      "privatelink.vaultcore.azure.net",
    ];
    assert.deepEqual(
      ofType(runs.prod, ZONE).map((z) => inputs(z)),
      zones.map((privateZoneName) => ({
        resourceGroupName: "loom-prod",
        privateZoneName,
        location: "global",
        tags: TAGS("prod"),
      })),
    );
    assert.deepEqual(
      ofType(runs.prod, LINK).map((l) => inputs(l)),
      zones.map((privateZoneName) => ({
        resourceGroupName: "loom-prod",
        privateZoneName,
        virtualNetworkLinkName: "loom-prod-vnet",
        location: "global",
        virtualNetwork: { id: VNET_ID("prod") },
        registrationEnabled: false,
        tags: TAGS("prod"),
      })),
    );
    assert.equal(
      inputs(one(runs.dev, ZONE, "loom-dns-postgres")).privateZoneName,
      "loom-dev.private.postgres.database.azure.com",
    );
  });

  it("puts the stack vault's private endpoint in the endpoints subnet, its record in the vault zone", () => {
    const vault = `${RG("prod")}/providers/Microsoft.KeyVault/vaults/${keyVaultName("loom", "prod")}`;
    assert.deepEqual(inputs(one(runs.prod, ENDPOINT, "loom-vault-endpoint")), {
      resourceGroupName: "loom-prod",
      location: "westeurope",
      privateEndpointName: "loom-prod-vault",
      // The SDK's defaults of a subnet argument; the endpoints subnet itself turns endpoint policies on.
      subnet: {
        id: SUBNET_ID("prod", "endpoints"),
        privateEndpointNetworkPolicies: "Disabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      },
      privateLinkServiceConnections: [{ name: "loom-prod-vault", privateLinkServiceId: vault, groupIds: ["vault"] }],
      tags: TAGS("prod"),
    });
    assert.deepEqual(inputs(one(runs.prod, ZONE_GROUP, "loom-vault-endpoint")), {
      resourceGroupName: "loom-prod",
      privateEndpointName: "loom-prod-vault",
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: ZONE_ID("prod", "privatelink.vaultcore.azure.net") }],
    });
  });

  it("sends the VNet's, NSGs', NAT's and public IP's diagnostics to the workspace (logs and metrics each has)", () => {
    const settings = ofType(runs.prod, DIAGNOSTICS).map((d) => {
      const i = inputs(d);
      assert.equal(i.workspaceId, WORKSPACE_ID("prod"), d.name);
      return [i.resourceUri, i.logs?.[0]?.categoryGroup ?? null, i.metrics?.[0]?.category ?? null];
    });
    assert.deepEqual(settings, [
      [VNET_ID("prod"), "allLogs", "AllMetrics"],
      [IP_ID("prod"), "allLogs", "AllMetrics"],
      [NAT_ID("prod"), null, "AllMetrics"],
      ...["gateway", "apps", "database", "endpoints"].map((role) => [NSG_ID("prod", role), "allLogs", null]),
    ]);
  });

  it("outputs the VNet, subnets, zones and egress IP, and one subnet id per tier (backup runs in apps)", () => {
    const sub = (n: string) => SUBNET_ID("prod", n);
    assert.deepEqual(runs.prod.outputs, {
      networkId: VNET_ID("prod"),
      cidr: "10.50.0.0/16",
      zones: [],
      placement: {
        cloud: "azure",
        vnetId: VNET_ID("prod"),
        subnets: { gateway: sub("gateway"), apps: sub("apps"), database: sub("database"), endpoints: sub("endpoints") },
        privateZones: {
          postgres: ZONE_ID("prod", "loom-prod.private.postgres.database.azure.com"),
          redis: ZONE_ID("prod", "privatelink.redis.azure.net"),
          vault: ZONE_ID("prod", "privatelink.vaultcore.azure.net"),
        },
        egressIp: MOCK_IP(IP_ID("prod")),
      },
      tiers: {
        edge: sub("gateway"),
        app: sub("apps"),
        database: sub("database"),
        cache: sub("endpoints"),
        backup: sub("apps"),
      },
    });
  });

  it("puts every child under the component", () => {
    assert.deepEqual(
      own(runs.prod)
        .map((r) => r.type.split(":").pop())
        .sort(),
      [
        "DiagnosticSetting",
        "DiagnosticSetting",
        "DiagnosticSetting",
        "DiagnosticSetting",
        "DiagnosticSetting",
        "DiagnosticSetting",
        "DiagnosticSetting",
        "FlowLog",
        "NatGateway",
        "NetworkSecurityGroup",
        "NetworkSecurityGroup",
        "NetworkSecurityGroup",
        "NetworkSecurityGroup",
        "PrivateDnsZoneGroup",
        "PrivateEndpoint",
        "PrivateZone",
        "PrivateZone",
        "PrivateZone",
        "PublicIPAddress",
        "RoleAssignment",
        "StorageAccount",
        "Subnet",
        "Subnet",
        "Subnet",
        "Subnet",
        "UserAssignedIdentity",
        "VirtualNetwork",
        "VirtualNetworkLink",
        "VirtualNetworkLink",
        "VirtualNetworkLink",
      ],
    );
  });

  describe("address plan and rules", () => {
    it("places apps in the first /23 and gateway, database, endpoints, container groups in /24 slots 2 to 5", () => {
      assert.deepEqual(planAzureAddresses("10.40.0.0/16"), {
        apps: "10.40.0.0/23",
        gateway: "10.40.2.0/24",
        database: "10.40.3.0/24",
        endpoints: "10.40.4.0/24",
        containerGroups: "10.40.5.0/24",
      });
      assert.deepEqual(planAzureAddresses("172.16.16.0/20"), {
        apps: "172.16.16.0/23",
        gateway: "172.16.18.0/24",
        database: "172.16.19.0/24",
        endpoints: "172.16.20.0/24",
        containerGroups: "172.16.21.0/24",
      });
    });

    it("refuses ranges outside /16 to /20 and non-network addresses", () => {
      assert.throws(() => planAzureAddresses("10.40.0.0/24"), /must be a \/16 to \/20 network, got \/24/);
      assert.throws(() => planAzureAddresses("10.32.0.0/12"), /must be a \/16 to \/20 network, got \/12/);
      assert.throws(() => planAzureAddresses("10.40.0.1/16"), /host bits set/);
    });

    it("turns client ranges into one source: the Internet tag when they include everything", () => {
      assert.deepEqual(clientSource(["0.0.0.0/0"]), { sourceAddressPrefix: "Internet" });
      assert.deepEqual(clientSource(["198.51.100.0/24", "0.0.0.0/0"]), { sourceAddressPrefix: "Internet" });
      assert.deepEqual(clientSource(["198.51.100.0/24"]), { sourceAddressPrefix: "198.51.100.0/24" });
      assert.deepEqual(clientSource(["198.51.100.0/24", "203.0.113.0/24"]), {
        sourceAddressPrefixes: ["198.51.100.0/24", "203.0.113.0/24"],
      });
      const rules = securityRules(planAzureAddresses("10.40.0.0/16"), ["198.51.100.0/24", "203.0.113.0/24"], false);
      assert.deepEqual(rules.gateway[2]?.sourceAddressPrefixes, ["198.51.100.0/24", "203.0.113.0/24"]);
    });

    it("names a storage account Azure accepts (3-24 lower-case letters and digits), stable per stack", () => {
      const name = flowLogAccountName("loom-prod");
      assert.match(name, /^loomprodfl[0-9a-z]{6}$/);
      assert.equal(flowLogAccountName("loom-prod"), name);
      assert.notEqual(flowLogAccountName("loom-staging"), name);
      const long = flowLogAccountName("a-very-long-project-name-and-stack");
      assert.ok(/^[a-z0-9]{3,24}$/.test(long), long);
    });
  });

  describe("invalid args", () => {
    it("rejects a cidr the plan cannot hold, naming the argument", async () => {
      await assert.rejects(build(argsFor("dev", { cidr: "10.40.0.0/24" })), {
        propertyPath: "cidr",
        reason: '"10.40.0.0/24" must be a /16 to /20 network, got /24',
      });
    });

    for (const days of [0, 366, 2.5]) {
      it(`rejects flowLogRetentionDays ${days} (VNet flow logs keep 1 to 365 days)`, async () => {
        await assert.rejects(build(argsFor("dev", { flowLogRetentionDays: days })), {
          propertyPath: "flowLogRetentionDays",
          reason: `must be a whole number of days from 1 to 365 (VNet flow logs), got ${days}`,
        });
      });
    }
  });
});
