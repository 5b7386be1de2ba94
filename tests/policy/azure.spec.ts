/**
 * loom-guard on the Azure target's stateful and endpoint types (issue 12 item 6): Azure Managed Redis, Backup vaults
 * and their policies, Log Analytics, Key Vault and its secrets, role assignments, action groups, App Gateway TLS
 * policies. The happy-path fixtures (tests/harness/fixtures/azure.ts) pass; one mutation per failure, exact message.
 */
import assert from "node:assert/strict";
import { FORBIDDEN_ROLE_IDS } from "../../components/lib/azure";
import { datastoreEncryptedAtRest } from "../../policy/rules/encryption/datastore-encrypted-at-rest";
import { databaseNotPublic } from "../../policy/rules/network/database-not-public";
import { noOpenIngress } from "../../policy/rules/network/no-open-ingress";
import { backupRetention } from "../../policy/rules/resilience/backup-retention";
import { deletionProtection, STATEFUL_TYPES } from "../../policy/rules/resilience/deletion-protection";
import { AZURE_PRIVILEGED_ROLES, leastPrivilegeIdentity } from "../../policy/rules/secrets/least-privilege-identity";
import { datastoreTlsRequired } from "../../policy/rules/tls/datastore-tls-required";
import { minTlsVersion } from "../../policy/rules/tls/min-tls-version";
import { notificationEndpointsTls } from "../../policy/rules/tls/notification-endpoints-tls";
import { azure, type Fixture, itFails, itPasses, mutate } from "../harness/fixtures";

const ROLE = (id: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/loom-prod";
const PROD = { "deletion-protection": { environment: "prod" } };
const NOT_PROTECTED =
  "stateful resource is not protected in prod: set the Pulumi resource option protect: true (a destroy or replacement would lose its data)";

describe("least-privilege-identity on Azure", () => {
  itPasses(leastPrivilegeIdentity, [azure.roleAssignment()]);

  it("forbids exactly the roles the components may never grant (components/lib/azure.ts)", () => {
    assert.deepEqual(Object.keys(AZURE_PRIVILEGED_ROLES).sort(), [...FORBIDDEN_ROLE_IDS].sort());
  });

  const grant = (id: string, scope = RG) =>
    mutate(azure.roleAssignment(), (a) => {
      a.roleDefinitionId = ROLE(id);
      a.scope = scope;
    });
  const why = "grant the data-plane role the identity needs (e.g. Key Vault Secrets User) on the resource it uses";
  itFails(leastPrivilegeIdentity, [
    {
      title: "Owner on the resource group",
      resource: grant("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
      messages: [`role assignment grants Owner (8e3af657-a8ff-443c-a75c-2fe8c4bcb635) at ${RG}; ${why}`],
    },
    {
      title: "Contributor on a vault (upper-case GUID)",
      resource: grant("B24988AC-6180-42A0-AB88-20F7382DD24C", `${RG}/providers/Microsoft.KeyVault/vaults/loom-kv`),
      messages: [
        `role assignment grants Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c) at ${RG}/providers/Microsoft.KeyVault/vaults/loom-kv; ${why}`,
      ],
    },
    {
      title: "User Access Administrator",
      resource: grant("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
      messages: [
        `role assignment grants User Access Administrator (18d7d88d-d35e-4fb5-a5c3-7773c20a72d9) at ${RG}; ${why}`,
      ],
    },
    {
      title: "Role Based Access Control Administrator",
      resource: grant("f58310d9-a9f6-439a-9e8d-f62e7b41a168"),
      messages: [
        `role assignment grants Role Based Access Control Administrator (f58310d9-a9f6-439a-9e8d-f62e7b41a168) at ${RG}; ${why}`,
      ],
    },
  ]);
});

describe("notification-endpoints-tls on Azure", () => {
  itPasses(notificationEndpointsTls, [azure.actionGroup()]);

  const plaintext = "alerts (and the token in the URL) travel in plaintext; use an https:// URL";
  itFails(notificationEndpointsTls, [
    {
      title: "action group webhook to http://",
      resource: mutate(azure.actionGroup(), (g) => {
        g.webhookReceivers = [{ name: "slack", serviceUri: "http://hooks.example.com/relay/loom" }];
      }),
      messages: [`action group webhook receiver "slack" calls a non-https URL: ${plaintext}`],
    },
    {
      title: "action group Logic App and Function receivers over http://",
      resource: mutate(azure.actionGroup(), (g) => {
        g.logicAppReceivers = [
          {
            name: "relay",
            resourceId: `${RG}/providers/Microsoft.Logic/workflows/relay`,
            callbackUrl: "http://x.example.com/cb",
          },
        ];
        g.azureFunctionReceivers = [
          {
            name: "fn",
            functionAppResourceId: `${RG}/providers/Microsoft.Web/sites/relay`,
            functionName: "relay",
            httpTriggerUrl: "http://relay.example.com/api/relay",
          },
        ];
      }),
      messages: [
        `action group Logic App receiver "relay" calls a non-https URL: ${plaintext}`,
        `action group Azure Function receiver "fn" calls a non-https URL: ${plaintext}`,
      ],
    },
  ]);
});

describe("deletion-protection on Azure", () => {
  const stateful = (): Fixture<object>[] => [
    azure.redisEnterprise(),
    azure.redisEnterpriseDatabase(),
    azure.backupVault(),
    azure.logAnalyticsWorkspace(),
    azure.keyVault(),
    azure.keyVaultSecret(),
  ];
  itPasses(deletionProtection, stateful(), PROD, "in prod");

  it("counts the Azure plans' stateful types as stateful", () => {
    for (const f of stateful()) assert.ok(STATEFUL_TYPES.includes(f.type), f.type);
  });

  itFails(
    deletionProtection,
    stateful().map((f) => ({
      title: `${f.type} without the Pulumi protect option in prod`,
      resource: mutate(f, () => undefined, { protect: false }),
      config: PROD,
      messages: [NOT_PROTECTED],
    })),
  );

  itPasses(
    deletionProtection,
    [
      mutate(azure.keyVault(), (v) => {
        v.properties.enablePurgeProtection = undefined;
      }),
    ],
    { "deletion-protection": { environment: "dev" } },
    "without purge protection in dev",
  );

  itFails(deletionProtection, [
    {
      title: "Key Vault without purge protection in prod",
      resource: mutate(azure.keyVault(), (v) => {
        v.properties.enablePurgeProtection = undefined;
      }),
      config: PROD,
      messages: [
        "Key Vault properties.enablePurgeProtection is false (a deleted vault and its keys and secrets can be purged before the retention ends) in prod",
      ],
    },
    {
      title: "Key Vault with soft delete off in prod",
      resource: mutate(azure.keyVault(), (v) => {
        v.properties.enableSoftDelete = false;
      }),
      config: PROD,
      messages: ["Key Vault properties.enableSoftDelete is false in prod"],
    },
    {
      title: "Backup vault with soft delete off in prod",
      resource: mutate(azure.backupVault(), (v) => {
        v.properties.securitySettings = {
          softDeleteSettings: { state: "Off" },
          immutabilitySettings: { state: "Locked" },
        };
      }),
      config: PROD,
      messages: [
        'Backup vault securitySettings.softDeleteSettings.state is "Off" (deleted backups are gone at once); set "On" or "AlwaysOn" in prod',
      ],
    },
    {
      title: "Backup vault without immutability in prod",
      resource: mutate(azure.backupVault(), (v) => {
        v.properties.securitySettings = { softDeleteSettings: { state: "AlwaysOn" } };
      }),
      config: PROD,
      messages: [
        'Backup vault securitySettings.immutabilitySettings.state is "Disabled (default)" (recovery points can be deleted before they expire); set "Unlocked" or "Locked" in prod',
      ],
    },
    {
      title: "Backup vault with immutability Disabled in prod",
      resource: mutate(azure.backupVault(), (v) => {
        v.properties.securitySettings = { immutabilitySettings: { state: "Disabled" } };
      }),
      config: PROD,
      messages: [
        'Backup vault securitySettings.immutabilitySettings.state is "Disabled" (recovery points can be deleted before they expire); set "Unlocked" or "Locked" in prod',
      ],
    },
  ]);
});

describe("backup-retention on Azure Backup vault policies", () => {
  const prodMin = { "backup-retention": { minRetentionDays: 14, minCacheSnapshotDays: 7 } };
  itPasses(backupRetention, [azure.backupPolicy()], prodMin, "with the prod minimum (14 days)");

  const keep = (duration: string) =>
    mutate(azure.backupPolicy(), (p) => {
      for (const r of p.properties?.policyRules ?? []) {
        if (r.objectType === "AzureRetentionRule") for (const l of r.lifecycles) l.deleteAfter.duration = duration;
      }
    });
  itFails(backupRetention, [
    {
      title: "retention rule keeping 7 days when prod asks 14",
      resource: keep("P7D"),
      config: prodMin,
      messages: [
        'Backup vault policy retention rule "Default" deleteAfter.duration is "P7D", below the minimum of 14 days (minRetentionDays)',
      ],
    },
    {
      title: "retention rule with a duration that is not ISO-8601 days",
      resource: keep("14 days"),
      messages: [
        'Backup vault policy retention rule "Default" deleteAfter.duration is "14 days", below the minimum of 7 days (minRetentionDays)',
      ],
    },
  ]);
});

describe("backup-retention on Azure Managed Redis persistence", () => {
  const cache = (days: number) => ({ "backup-retention": { minCacheSnapshotDays: days } });
  const none = mutate(azure.redisEnterpriseDatabase(), (d) => {
    d.persistence = undefined;
  });
  itPasses(
    backupRetention,
    [
      azure.redisEnterpriseDatabase(),
      mutate(azure.redisEnterpriseDatabase(), (d) => {
        d.persistence = { rdbEnabled: true, rdbFrequency: "12h" };
      }),
    ],
    cache(7),
    "with AOF or RDB when prod asks 7 cache days",
  );
  itPasses(backupRetention, [none], cache(0), "without persistence when no cache snapshots are asked (dev)");
  itFails(backupRetention, [
    {
      title: "Managed Redis database without persistence when snapshots are asked",
      resource: none,
      config: cache(7),
      messages: [
        "Azure Managed Redis database has no persistence (persistence.aofEnabled and rdbEnabled not true), but minCacheSnapshotDays is 7; enable AOF or RDB",
      ],
    },
    {
      title: "Managed Redis database with AOF and RDB both off",
      resource: mutate(azure.redisEnterpriseDatabase(), (d) => {
        d.persistence = { aofEnabled: false, rdbEnabled: false };
      }),
      messages: [
        "Azure Managed Redis database has no persistence (persistence.aofEnabled and rdbEnabled not true), but minCacheSnapshotDays is 1; enable AOF or RDB",
      ],
    },
  ]);
});

describe("Azure Managed Redis: not public, TLS, encryption at rest", () => {
  itPasses(databaseNotPublic, [azure.redisEnterprise()]);
  itPasses(minTlsVersion, [azure.redisEnterprise()]);
  itPasses(
    minTlsVersion,
    [
      mutate(azure.redisEnterprise(), (r) => {
        r.minimumTlsVersion = undefined;
      }),
    ],
    {},
    "with the service's TLS 1.2 floor (minimumTlsVersion unset)",
  );
  itPasses(datastoreTlsRequired, [azure.redisEnterpriseDatabase()]);
  itPasses(datastoreEncryptedAtRest, [azure.redisEnterprise()], {
    "datastore-encrypted-at-rest": { requireCustomerManagedKeys: true },
  });
  itPasses(
    datastoreEncryptedAtRest,
    [
      mutate(azure.redisEnterprise(), (r) => {
        r.encryption = undefined;
      }),
    ],
    {},
    "with Microsoft-managed keys when customer keys are not required",
  );

  itFails(databaseNotPublic, [
    {
      title: "Managed Redis with public network access",
      resource: mutate(azure.redisEnterprise(), (r) => {
        r.publicNetworkAccess = "Enabled";
      }),
      messages: [
        'Azure Managed Redis publicNetworkAccess is "Enabled"; set "Disabled" and connect through a private endpoint (groupIds ["redisEnterprise"])',
      ],
    },
  ]);
  itFails(minTlsVersion, [
    {
      title: "Managed Redis accepting TLS 1.1",
      resource: mutate(azure.redisEnterprise(), (r) => {
        r.minimumTlsVersion = "1.1";
      }),
      messages: ['Azure Managed Redis minimumTlsVersion is "1.1"; set "1.2"'],
    },
  ]);
  itFails(datastoreEncryptedAtRest, [
    {
      title: "Managed Redis on Microsoft-managed keys when customer keys are required",
      resource: mutate(azure.redisEnterprise(), (r) => {
        r.encryption = undefined;
      }),
      config: { "datastore-encrypted-at-rest": { requireCustomerManagedKeys: true } },
      messages: [
        "Azure Managed Redis has no encryption.customerManagedKeyEncryption.keyEncryptionKeyUrl (Microsoft-managed key); set it to a Key Vault key",
      ],
    },
  ]);
});

describe("no-open-ingress on Azure Container Instances", () => {
  itPasses(noOpenIngress, [
    azure.containerGroup(),
    mutate(azure.containerGroup(), (g) => {
      g.ipAddress = { type: "Private", ports: [{ port: 8080 }] };
    }),
    mutate(azure.containerGroup(), (g) => {
      g.ipAddress = { type: "Public", ports: [{ port: 443 }] };
    }),
  ]);
  itFails(noOpenIngress, [
    {
      title: "migrate container group with a public IP on 8080 and 22",
      resource: mutate(azure.containerGroup(), (g) => {
        g.ipAddress = { type: "Public", ports: [{ port: 8080 }, { port: 443 }, { port: 22 }] };
      }),
      messages: [
        'container group has a public IP address open to the internet on port 8080, port 22; use ipAddress type "Private" with subnetIds (or no ipAddress)',
      ],
    },
  ]);
});

describe("min-tls-version on Application Gateway TLS policies without TLS 1.3", () => {
  itPasses(minTlsVersion, [
    mutate(azure.applicationGateway(), (g) => {
      g.sslPolicy = { policyType: "CustomV2", minProtocolVersion: "TLSv1_2" };
    }),
  ]);
  const fix = "use Predefined AppGwSslPolicy20220101S or CustomV2 with minProtocolVersion TLSv1_2";
  itFails(minTlsVersion, [
    {
      title: "the 2017 strict predefined policy",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = { policyType: "Predefined", policyName: "AppGwSslPolicy20170401S" };
      }),
      messages: [
        `Application Gateway sslPolicy (policyType "Predefined", policyName "AppGwSslPolicy20170401S") offers no TLS 1.3; ${fix}`,
      ],
    },
    {
      title: "a Custom (v1) policy at TLS 1.2",
      resource: mutate(azure.applicationGateway(), (g) => {
        g.sslPolicy = { policyType: "Custom", minProtocolVersion: "TLSv1_2" };
      }),
      messages: [`Application Gateway sslPolicy (policyType "Custom", policyName null) offers no TLS 1.3; ${fix}`],
    },
  ]);
});
