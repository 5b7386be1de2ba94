/**
 * The pack against the real Azure program (issue 12 item 6): plan prod on Azure once (mock engine, as `npm run plan
 * -- --cloud azure`), then remove one guarantee at a time from the planned inputs and check that exactly the expected
 * rule fires, at the expected level, on the mutated resource — the rules read the shapes the Azure components really
 * produce (Managed Redis, Backup vault and policy, Key Vault, role assignments, action groups, App Gateway, Container
 * Apps), not only the hand-built fixtures.
 */
import assert from "node:assert/strict";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { packConfigFor, planStack } from "../../scripts/lib/plan";
import { evaluatePolicies } from "../../scripts/lib/policy-runner";
import { policies } from "../harness/fixtures";

// biome-ignore lint/suspicious/noExplicitAny: planned inputs are plain JSON, mutated by path
type Inputs = Record<string, any>;
interface Mutation {
  title: string;
  type: string;
  pick?: (r: PlannedResource) => boolean;
  change?: (inputs: Inputs) => void;
  protect?: boolean;
  policy: string;
}

const OWNER = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

const MUTATIONS: Mutation[] = [
  {
    title: "Managed Redis opened to public networks",
    type: "azure-native:redisenterprise:RedisEnterprise",
    change: (i) => {
      i.publicNetworkAccess = "Enabled";
    },
    policy: "database-not-public",
  },
  {
    title: "Managed Redis accepting TLS 1.0",
    type: "azure-native:redisenterprise:RedisEnterprise",
    change: (i) => {
      i.minimumTlsVersion = "1.0";
    },
    policy: "min-tls-version",
  },
  {
    title: "Managed Redis database on the plaintext protocol",
    type: "azure-native:redisenterprise:Database",
    change: (i) => {
      i.clientProtocol = "Plaintext";
    },
    policy: "datastore-tls-required",
  },
  {
    title: "Managed Redis database without persistence",
    type: "azure-native:redisenterprise:Database",
    change: (i) => {
      delete i.persistence;
    },
    policy: "backup-retention",
  },
  {
    title: "Managed Redis cluster without the Pulumi protect option",
    type: "azure-native:redisenterprise:RedisEnterprise",
    protect: false,
    policy: "deletion-protection",
  },
  {
    title: "vaulted PostgreSQL backups kept 7 days",
    type: "azure-native:dataprotection:BackupPolicy",
    change: (i) => {
      for (const r of i.properties.policyRules) for (const l of r.lifecycles ?? []) l.deleteAfter.duration = "P7D";
    },
    policy: "backup-retention",
  },
  {
    title: "Backup vault soft delete off",
    type: "azure-native:dataprotection:BackupVault",
    change: (i) => {
      i.properties.securitySettings.softDeleteSettings = { state: "Off" };
    },
    policy: "deletion-protection",
  },
  {
    title: "Backup vault immutability disabled",
    type: "azure-native:dataprotection:BackupVault",
    change: (i) => {
      i.properties.securitySettings.immutabilitySettings = { state: "Disabled" };
    },
    policy: "deletion-protection",
  },
  {
    title: "Key Vault without purge protection",
    type: "azure-native:keyvault:Vault",
    change: (i) => {
      i.properties.enablePurgeProtection = false;
    },
    policy: "deletion-protection",
  },
  {
    title: "a Key Vault secret without the Pulumi protect option",
    type: "azure-native:keyvault:Secret",
    protect: false,
    policy: "deletion-protection",
  },
  {
    title: "the Log Analytics workspace without the Pulumi protect option",
    type: "azure-native:operationalinsights:Workspace",
    protect: false,
    policy: "deletion-protection",
  },
  {
    title: "a workload identity granted Owner",
    type: "azure-native:authorization:RoleAssignment",
    change: (i) => {
      i.roleDefinitionId = OWNER;
    },
    policy: "least-privilege-identity",
  },
  {
    title: "an action group calling an http:// webhook",
    type: "azure-native:monitor:ActionGroup",
    change: (i) => {
      i.webhookReceivers = [
        { name: "relay", serviceUri: "http://hooks.example.com/relay", useCommonAlertSchema: true },
      ];
    },
    policy: "notification-endpoints-tls",
  },
  {
    title: "App Gateway on the 2017 TLS policy",
    type: "azure-native:network:ApplicationGateway",
    change: (i) => {
      i.sslPolicy = { policyType: "Predefined", policyName: "AppGwSslPolicy20170401S" };
    },
    policy: "min-tls-version",
  },
  {
    title: "the web Container App serving plain HTTP",
    type: "azure-native:app:ContainerApp",
    pick: (r) => (r.inputs as Inputs).configuration?.ingress !== undefined,
    change: (i) => {
      i.configuration.ingress.allowInsecure = true;
    },
    policy: "https-only-endpoints",
  },
  {
    title: "PostgreSQL backups kept 3 days",
    type: "azure-native:dbforpostgresql:Server",
    pick: (r) => r.inputs.createMode !== "Replica",
    change: (i) => {
      i.backup.backupRetentionDays = 3;
    },
    policy: "backup-retention",
  },
];

describe("the pack on the real prod Azure plan, one guarantee removed at a time", () => {
  let resources: PlannedResource[] = [];
  const config = packConfigFor("prod");

  before(async () => {
    resources = (await planStack({ stack: "prod", cloud: "azure", policy: false })).resources;
  });

  it("starts clean: no violation at any level", async () => {
    assert.deepEqual((await evaluatePolicies(resources, policies, config)).violations, []);
  });

  for (const m of MUTATIONS) {
    it(`${m.title} → ${m.policy} (mandatory in prod)`, async () => {
      const target = resources.find((r) => r.type === m.type && (m.pick ?? (() => true))(r));
      assert.ok(target, `no ${m.type} in the prod plan`);
      const inputs = structuredClone(target.inputs) as Inputs;
      m.change?.(inputs);
      const mutated = { ...target, inputs, protect: m.protect ?? target.protect };
      const { violations } = await evaluatePolicies(
        resources.map((r) => (r === target ? mutated : r)),
        policies,
        config,
      );
      assert.deepEqual(
        violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
        [[m.policy, "mandatory", target.urn]],
        violations.map((v) => v.message).join("\n"),
      );
    });
  }
});
