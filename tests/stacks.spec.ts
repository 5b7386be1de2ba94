/**
 * The whole program, per stack × implemented cloud, through the same path as `npm run plan`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { CLOUDS, type Cloud, IMPLEMENTED_CLOUDS, type ImplementedCloud } from "../components/cloud";
import { runProgram } from "../scripts/lib/mock-engine";
import { loadStackConfig, mandatory, type PlanResult, planStack, ROOT, renderTree, toJson } from "../scripts/lib/plan";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];
type PerStack = Record<Stack, number>;
const run = promisify(execFile);

/** The @pulumi package of each cloud's SDK: a plan loads its own cloud's and no other. */
const SDK_OF: Record<Cloud, string> = {
  aws: "aws",
  gcp: "gcp",
  azure: "azure-native",
  digitalocean: "digitalocean",
  kubernetes: "kubernetes",
};

interface CloudExpectations {
  /** Types that hold data: every one protected in prod, none in dev or staging (so those can be torn down). */
  stateful: readonly string[];
  /** Resources in the plan, per stack (components included). */
  resources: PerStack;
  /** Resources with Pulumi `protect`, per stack. */
  protected: PerStack;
  /**
   * Names of stateful-typed resources that hold no data and that a rotation deletes, so never protected (a protected
   * resource cannot be deleted): Kubernetes' database login Secrets, regenerated under a new name at each epoch.
   */
  rotated?: RegExp;
  /** How many of each type the profile switches on or scales, per stack: prod differs from dev where it says so. */
  byType: Record<string, PerStack>;
}

/**
 * What each implemented cloud's plans hold. THE place to update when the program changes what it creates; a cloud
 * added to IMPLEMENTED_CLOUDS fails `tsc` until it has a row here.
 */
const EXPECTED: Record<ImplementedCloud, CloudExpectations> = {
  aws: {
    stateful: [
      "aws:rds/instance:Instance",
      "aws:kms/key:Key",
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:backup/vault:Vault",
      "aws:s3/bucket:Bucket",
      "aws:secretsmanager/secret:Secret",
    ],
    // + the backup tier's security group and its two egress rules; + backup-size-drop and backup-dr-copy-failed;
    // + the cache's noeviction parameter group; + the migrate task's own execution and task roles (managed
    // attachment, secrets and telemetry policies) and each task role's rds-db:connect policy (issue 16).
    resources: { dev: 118, staging: 216, prod: 249 },
    protected: { dev: 0, staging: 0, prod: 24 },
    byType: {
      "aws:ec2/natGateway:NatGateway": { dev: 1, staging: 1, prod: 3 },
      "aws:rds/instance:Instance": { dev: 1, staging: 1, prod: 2 },
      "aws:rds/proxy:Proxy": { dev: 0, staging: 1, prod: 1 },
      "aws:wafv2/webAcl:WebAcl": { dev: 0, staging: 1, prod: 1 },
      // The alert catalog: 15 threshold alerts (sets per workload/volume) + 4 burn-rate alerts × 4 windows.
      "aws:cloudwatch/metricAlarm:MetricAlarm": { dev: 0, staging: 35, prod: 35 },
      // One per burn-rate alert (its pairs' ANDs OR-ed in one rule).
      "aws:cloudwatch/compositeAlarm:CompositeAlarm": { dev: 0, staging: 4, prod: 4 },
      // One topic per severity; the seven catalog dashboards in every environment.
      "aws:sns/topic:Topic": { dev: 0, staging: 2, prod: 2 },
      "aws:cloudwatch/dashboard:Dashboard": { dev: 7, staging: 7, prod: 7 },
      // The daily logical backup job and the vault locks (prod: the DR vault too), the replicated backup bucket.
      "aws:scheduler/schedule:Schedule": { dev: 0, staging: 1, prod: 1 },
      "aws:backup/vaultLockConfiguration:VaultLockConfiguration": { dev: 0, staging: 1, prod: 2 },
      "aws:s3/bucketReplicationConfig:BucketReplicationConfig": { dev: 0, staging: 0, prod: 1 },
      "aws:backup/plan:Plan": { dev: 0, staging: 1, prod: 1 },
      // prod: the primary vault and the disaster-recovery vault in loom:aws.drRegion.
      "aws:backup/vault:Vault": { dev: 0, staging: 1, prod: 2 },
      "pulumi:providers:aws": { dev: 0, staging: 0, prod: 1 },
      "aws:appautoscaling/target:Target": { dev: 0, staging: 2, prod: 2 },
      "aws:elasticache/parameterGroup:ParameterGroup": { dev: 1, staging: 1, prod: 1 },
    },
  },
  gcp: {
    stateful: [
      "gcp:sql/databaseInstance:DatabaseInstance",
      "gcp:redis/instance:Instance",
      "gcp:kms/keyRing:KeyRing",
      "gcp:kms/cryptoKey:CryptoKey",
      "gcp:storage/bucket:Bucket",
      "gcp:secretmanager/secret:Secret",
      "gcp:logging/projectBucketConfig:ProjectBucketConfig",
    ],
    resources: { dev: 110, staging: 160, prod: 170 },
    protected: { dev: 0, staging: 0, prod: 23 },
    byType: {
      // prod: the primary and its read replica (REGIONAL HA is a setting of the primary, not an instance).
      "gcp:sql/databaseInstance:DatabaseInstance": { dev: 1, staging: 1, prod: 2 },
      "gcp:redis/instance:Instance": { dev: 1, staging: 1, prod: 1 },
      // web and worker; the db-roles and migrate jobs, and with backups the logical-backup job.
      "gcp:cloudrunv2/service:Service": { dev: 2, staging: 2, prod: 2 },
      "gcp:cloudrunv2/job:Job": { dev: 2, staging: 3, prod: 3 },
      "gcp:cloudscheduler/job:Job": { dev: 0, staging: 1, prod: 1 },
      // dev: Cloud Run's own HTTPS endpoint; staging/prod: the global LB on 443 and the 80 → 443 redirect.
      "gcp:compute/globalForwardingRule:GlobalForwardingRule": { dev: 0, staging: 2, prod: 2 },
      "gcp:compute/securityPolicy:SecurityPolicy": { dev: 0, staging: 1, prod: 1 },
      // The alert catalog, one policy per alert; the seven catalog dashboards in every environment.
      "gcp:monitoring/alertPolicy:AlertPolicy": { dev: 0, staging: 19, prod: 19 },
      "gcp:monitoring/dashboard:Dashboard": { dev: 7, staging: 7, prod: 7 },
      // Logical backups and the job's staging bucket; prod adds the replica in loom:gcp.drRegion.
      "gcp:storage/bucket:Bucket": { dev: 0, staging: 2, prod: 3 },
      "gcp:kms/keyRing:KeyRing": { dev: 1, staging: 1, prod: 2 },
    },
  },
  azure: {
    stateful: [
      "azure-native:resources:ResourceGroup",
      "azure-native:dbforpostgresql:Server",
      "azure-native:redisenterprise:RedisEnterprise",
      "azure-native:redisenterprise:Database",
      "azure-native:keyvault:Vault",
      "azure-native:keyvault:Secret",
      "azure-native:storage:StorageAccount",
      "azure-native:operationalinsights:Workspace",
      "azure-native:dataprotection:BackupVault",
    ],
    // The backup job's identity belongs to the Database (every profile: the Entra backup login exists like every
    // cloud's); with backups its job logs in with it, so no Key Vault grant on the administrator's two secrets.
    resources: { dev: 99, staging: 141, prod: 150 },
    protected: { dev: 0, staging: 0, prod: 24 },
    byType: {
      // prod: the primary and its read replica (ZoneRedundant HA is a setting of the primary).
      "azure-native:dbforpostgresql:Server": { dev: 1, staging: 1, prod: 2 },
      "azure-native:redisenterprise:RedisEnterprise": { dev: 1, staging: 1, prod: 1 },
      "azure-native:app:ContainerApp": { dev: 2, staging: 2, prod: 2 },
      // db-roles and migrate; with backups the scheduled logical-backup job.
      "azure-native:app:Job": { dev: 2, staging: 3, prod: 3 },
      // dev: Container Apps' own ingress with a managed certificate; staging/prod: the WAF_v2 gateway.
      "azure-native:network:ApplicationGateway": { dev: 0, staging: 1, prod: 1 },
      "azure-native:network:WebApplicationFirewallPolicy": { dev: 0, staging: 1, prod: 1 },
      // The alert catalog (metric alerts per scoped resource, log queries for the rest); one action group per severity.
      "azure-native:monitor:MetricAlert": { dev: 0, staging: 10, prod: 10 },
      "azure-native:monitor:ScheduledQueryRule": { dev: 0, staging: 13, prod: 13 },
      "azure-native:monitor:ActionGroup": { dev: 0, staging: 2, prod: 2 },
      "azure-native:applicationinsights:Workbook": { dev: 7, staging: 7, prod: 7 },
      "azure-native:dataprotection:BackupVault": { dev: 0, staging: 1, prod: 1 },
      // prod: Azure's deletion protection, a CanNotDelete lock on the stack's resource group.
      "azure-native:authorization:ManagementLockAtResourceGroupLevel": { dev: 0, staging: 0, prod: 1 },
    },
  },
  digitalocean: {
    stateful: [
      "digitalocean:index/project:Project",
      "digitalocean:index/databaseCluster:DatabaseCluster",
      "digitalocean:index/databaseReplica:DatabaseReplica",
      "digitalocean:index/spacesBucket:SpacesBucket",
    ],
    // Each login's managed user and its two secret objects (db-logins: 3 users and 8 objects more than one login).
    resources: { dev: 55, staging: 87, prod: 89 },
    protected: { dev: 0, staging: 0, prod: 13 },
    byType: {
      // PostgreSQL and Valkey; prod adds the read replica (the standby node is the cluster's nodeCount).
      "digitalocean:index/databaseCluster:DatabaseCluster": { dev: 2, staging: 2, prod: 2 },
      "digitalocean:index/databaseReplica:DatabaseReplica": { dev: 0, staging: 0, prod: 1 },
      "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": { dev: 0, staging: 1, prod: 1 },
      // dev: fixed web, worker and jobs droplets; staging/prod: jobs, backup and monitor (web and worker are pools).
      "digitalocean:index/droplet:Droplet": { dev: 3, staging: 3, prod: 3 },
      "digitalocean:index/dropletAutoscale:DropletAutoscale": { dev: 0, staging: 2, prod: 2 },
      // dev: the web droplet terminates TLS itself (its edge proxy, ACME HTTP-01).
      "digitalocean:index/loadBalancer:LoadBalancer": { dev: 0, staging: 1, prod: 1 },
      "digitalocean:index/certificate:Certificate": { dev: 0, staging: 1, prod: 1 },
      "digitalocean:index/monitorAlert:MonitorAlert": { dev: 0, staging: 11, prod: 11 },
      "digitalocean:index/uptimeAlert:UptimeAlert": { dev: 0, staging: 2, prod: 2 },
      // secrets + logs; staging/prod the backup bucket; prod its DR twin in drRegion.
      "digitalocean:index/spacesBucket:SpacesBucket": { dev: 2, staging: 3, prod: 4 },
      "digitalocean:index/firewall:Firewall": { dev: 5, staging: 5, prod: 5 },
    },
  },
  kubernetes: {
    stateful: [
      "kubernetes:core/v1:Namespace",
      "kubernetes:postgresql.cnpg.io/v1:Cluster",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:core/v1:Secret",
    ],
    rotated: /^loom-db-login-(app-a|app-b|migrate|backup|admin)-r\d+$/,
    // prod: + the PodMonitor of the disaster-recovery replica cluster. Every stack: the five database login Secrets.
    resources: { dev: 77, staging: 89, prod: 95 },
    protected: { dev: 0, staging: 0, prod: 10 },
    byType: {
      "kubernetes:postgresql.cnpg.io/v1:Pooler": { dev: 0, staging: 1, prod: 1 },
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": { dev: 0, staging: 1, prod: 1 },
      "kubernetes:keda.sh/v1alpha1:ScaledObject": { dev: 0, staging: 1, prod: 1 },
      // Recording rules in every environment (the dashboards read them); alerting rules inside it with alerting.
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule": { dev: 1, staging: 1, prod: 1 },
      // web, worker, the OpenTelemetry Collector and Jaeger (the default trace backend).
      "kubernetes:apps/v1:Deployment": { dev: 4, staging: 4, prod: 4 },
      // The seven dashboards, the collector's and Jaeger's config, the namespace CA bundle.
      "kubernetes:core/v1:ConfigMap": { dev: 11, staging: 11, prod: 11 },
      "kubernetes:batch/v1:CronJob": { dev: 0, staging: 1, prod: 1 },
      // prod: the primary's and the disaster-recovery replica cluster's (its own object store).
      "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": { dev: 0, staging: 1, prod: 2 },
      "kubernetes:barmancloud.cnpg.io/v1:ObjectStore": { dev: 0, staging: 1, prod: 2 },
      "kubernetes:postgresql.cnpg.io/v1:Cluster": { dev: 1, staging: 1, prod: 2 },
      // The five database login Secrets (CloudNativePG managed roles), the cache's, the app's; staging/prod the
      // backup store's credentials and the logical backup's key; prod the disaster-recovery store's.
      "kubernetes:core/v1:Secret": { dev: 7, staging: 9, prod: 10 },
      "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig": { dev: 0, staging: 1, prod: 1 },
    },
  },
};

const plans = new Map<string, PlanResult>();
async function plan(stack: string, cloud: string): Promise<PlanResult> {
  const key = `${stack}/${cloud}`;
  let p = plans.get(key);
  if (!p) {
    p = await planStack({ stack, cloud });
    plans.set(key, p);
  }
  return p;
}

describe("every stack × implemented cloud", () => {
  for (const cloud of IMPLEMENTED_CLOUDS) {
    for (const stack of STACKS) {
      describe(`${stack} on ${cloud}`, () => {
        it("plans and passes the loom-guard pack with zero mandatory violations", async () => {
          const p = await plan(stack, cloud);
          assert.ok(p.resources.length > 20, `only ${p.resources.length} resources`);
          // URNs as the real engine writes them (no root Stack in the type chain), so plan JSON and state compare.
          assert.deepEqual(
            p.resources.filter((r) => `${r.urn} ${r.parent}`.includes("pulumi:pulumi:Stack$")).map((r) => r.urn),
            [],
          );
          assert.ok(p.resources.some((r) => r.urn === `urn:pulumi:${stack}::loom::loom:components:Network::loom`));
          assert.deepEqual(
            mandatory(p).map((v) => `${v.policy}: ${v.urn.split("::").pop()}: ${v.message}`),
            [],
          );
        });

        it("never shows a secret value in the tree or the JSON plan", async () => {
          const p = await plan(stack, cloud);
          const text = `${renderTree(p)}\n${JSON.stringify(toJson(p))}`;
          assert.doesNotMatch(text, /mock-generated-password/);
          assert.doesNotMatch(text, /fake-secret-for-/);
          const secretInputs = p.resources.reduce((n, r) => n + r.secretPaths.length, 0);
          if (secretInputs > 0) assert.match(JSON.stringify(toJson(p)), /"\[secret\]"/);
        });

        it("protects stateful resources only in prod", async () => {
          const p = await plan(stack, cloud);
          const { rotated } = EXPECTED[cloud];
          const stateful = p.resources.filter(
            (r) => EXPECTED[cloud].stateful.includes(r.type) && !rotated?.test(r.name),
          );
          if (rotated) {
            const logins = p.resources.filter((r) => rotated.test(r.name));
            assert.equal(logins.length, 5, "the five login Secrets");
            for (const r of logins) assert.equal(r.protect, false, `${r.type} ${r.name}: a rotation deletes it`);
          }
          assert.ok(stateful.length > 0, "no stateful resources found");
          for (const r of stateful) assert.equal(r.protect, stack === "prod", `${r.type} ${r.name}`);
        });

        it("holds the resources the table expects", async () => {
          const p = await plan(stack, cloud);
          const expected = EXPECTED[cloud];
          const count = (type: string) => p.resources.filter((r) => r.type === type).length;
          assert.deepEqual(
            {
              resources: p.resources.length,
              protected: p.resources.filter((r) => r.protect).length,
              byType: Object.fromEntries(Object.keys(expected.byType).map((t) => [t, count(t)])),
            },
            {
              resources: expected.resources[stack],
              protected: expected.protected[stack],
              byType: Object.fromEntries(Object.entries(expected.byType).map(([t, n]) => [t, n[stack]])),
            },
          );
        });
      });
    }
  }

  for (const cloud of IMPLEMENTED_CLOUDS) {
    it(`a ${cloud} plan loads only the ${cloud} SDK (fresh process)`, async () => {
      const { stdout } = await run(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "tests/harness/loaded-sdks.ts", "dev", cloud],
        { cwd: ROOT },
      );
      const loaded: string[] = JSON.parse(stdout);
      const sdks = Object.values(SDK_OF);
      assert.deepEqual(
        loaded.filter((p) => sdks.includes(p)),
        [SDK_OF[cloud]],
        `loaded: ${loaded.join(", ")}`,
      );
    });
  }
});

describe("bad stack config", () => {
  it("fails before any resource is registered", async () => {
    const { config, secretKeys } = loadStackConfig("dev");
    config["loom:cloud"] = "asw";
    await assert.rejects(
      runProgram({ project: "loom", stack: "dev", config, secretKeys, program: path.join(ROOT, "index.ts") }),
      (e: Error & { registeredResources?: number }) => {
        assert.match(e.message, /loom:cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes/);
        assert.equal(e.registeredResources, 0);
        return true;
      },
    );
  });

  it("the plan CLI exits 2 naming the key, 0 on a clean stack", async () => {
    const cli = (args: string[]) =>
      run(process.execPath, ["scripts/dist.js", "run", "scripts/plan.ts", ...args], { cwd: ROOT }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
      );
    const bad = await cli(["--stack", "dev", "--cloud", "nope"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--cloud: "nope" is not one of aws, gcp, azure, digitalocean, kubernetes/);
    const missing = await cli(["--stack", "nope"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no stack file Pulumi\.nope\.yaml/);
    const unimplemented = CLOUDS.find((c) => !(IMPLEMENTED_CLOUDS as readonly string[]).includes(c));
    if (unimplemented) {
      const notYet = await cli(["--stack", "dev", "--cloud", unimplemented]);
      assert.equal(notYet.code, 2);
      assert.match(notYet.err, new RegExp(`loom:cloud "${unimplemented}" is not implemented yet`));
    }
    const badPack = await cli(["--stack", "dev", "--policy-config", "package.json"]);
    assert.equal(badPack.code, 2);
    assert.match(badPack.err, /--policy-config: cannot read package\.json: policy pack configuration is invalid/);
    const ok = await cli(["--stack", "dev"]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /aws:rds\/instance:Instance/);
  });
});
