import * as assert from "node:assert/strict";
import { Cache, type CacheArgs } from "../../components/cache";
import { CACHE_ENGINE, CACHE_ENGINE_VERSION, MAINTENANCE_WINDOW, SNAPSHOT_WINDOW } from "../../components/cache/aws";
import { AWS_CACHE_NODE_TYPES, awsCacheNodeType } from "../../components/cache/node-types";
import type { Tier } from "../../components/profiles";
import { type ProgramRun, redact } from "../../scripts/lib/mock-engine";
import { context, one, runComponents } from "../harness/program";
import { fakeAwsNetwork, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
const KEY = "aws:kms/key:Key";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup";
const PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup";
const CACHE_KEY_ARN = /^arn:aws:kms:eu-west-1:111122223333:key\/loom-cache$/;

const dev = (): CacheArgs => ({ platform: staticAwsPlatform(), context: context("dev"), network: fakeAwsNetwork() });
const prod = (): CacheArgs => ({
  platform: staticAwsPlatform(),
  context: context("prod"),
  protect: true,
  network: fakeAwsNetwork(),
  tier: "medium",
  nodes: 2,
  highAvailability: true,
  snapshotRetentionDays: 7,
  logRetentionDays: 90,
});

async function build(args: CacheArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const cache = new Cache("loom", withPlatform(args));
    return {
      endpoint: cache.endpoint,
      port: cache.port,
      tls: cache.tls,
      authTokenId: cache.authToken.id,
      monitoring: cache.monitoring,
    };
  });
}

describe("cache node types (aws)", () => {
  it("maps every tier to a current-generation Graviton node type", () => {
    assert.deepEqual(AWS_CACHE_NODE_TYPES, {
      small: "cache.t4g.small",
      medium: "cache.m7g.large",
      large: "cache.r7g.xlarge",
    });
    assert.equal(awsCacheNodeType("large"), "cache.r7g.xlarge");
  });

  it("rejects an unknown tier, naming the allowed ones", () => {
    assert.throws(() => awsCacheNodeType("huge" as Tier), {
      propertyPath: "tier",
      message: '"huge" is not one of small, medium, large',
    });
  });
});

describe("Cache on aws", () => {
  let devRun: ProgramRun;
  let prodRun: ProgramRun;
  before(async () => {
    devRun = await build(dev());
    prodRun = await build(prod());
  });

  it("never evicts: its own parameter group with maxmemory-policy noeviction (not the default's volatile-lru)", () => {
    for (const run of [devRun, prodRun]) {
      const params = one(run, PARAMETER_GROUP);
      assert.equal(params.inputs.family, "valkey8");
      assert.deepEqual(params.inputs.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
      assert.equal(one(run, RG).inputs.parameterGroupName, params.inputs.name);
    }
    assert.equal(one(devRun, PARAMETER_GROUP).inputs.name, "loom-dev-cache");
    assert.equal(one(prodRun, PARAMETER_GROUP).inputs.name, "loom-prod-cache");
  });

  it("builds a TLS-only, KMS-encrypted, authenticated replication group", () => {
    const group = one(devRun, RG);
    assert.equal(group.name, "loom-cache");
    assert.equal(group.inputs.replicationGroupId, "loom-dev-cache");
    assert.equal(group.inputs.engine, CACHE_ENGINE);
    assert.equal(group.inputs.engine, "valkey");
    assert.equal(group.inputs.engineVersion, CACHE_ENGINE_VERSION);
    assert.equal(group.inputs.transitEncryptionEnabled, true);
    assert.equal(group.inputs.transitEncryptionMode, "required");
    assert.equal(group.inputs.atRestEncryptionEnabled, true);
    assert.match(String(group.inputs.kmsKeyId), CACHE_KEY_ARN);
    assert.equal(group.inputs.port, 6379);
    assert.deepEqual(group.inputs.securityGroupIds, ["sg-cache"]);
    assert.equal(group.inputs.subnetGroupName, "loom-dev-cache");
    assert.equal(group.inputs.autoMinorVersionUpgrade, true);
    assert.equal(group.inputs.maintenanceWindow, MAINTENANCE_WINDOW);
    assert.equal(group.inputs.snapshotWindow, SNAPSHOT_WINDOW);
    assert.equal(group.inputs.authTokenUpdateStrategy, "ROTATE");
    assert.equal(typeof group.inputs.authToken, "string");
  });

  it("dev: one small node, no failover, no snapshots, changes applied immediately, nothing protected", () => {
    const group = one(devRun, RG);
    assert.equal(group.inputs.nodeType, "cache.t4g.small");
    assert.equal(group.inputs.numCacheClusters, 1);
    assert.equal(group.inputs.automaticFailoverEnabled, false);
    assert.equal(group.inputs.multiAzEnabled, false);
    assert.equal(group.inputs.snapshotRetentionLimit, 0);
    assert.equal(group.inputs.applyImmediately, true);
    assert.equal(group.inputs.finalSnapshotIdentifier, undefined);
    assert.equal(group.protect, false);
    assert.equal(one(devRun, KEY).protect, false);
    assert.equal(one(devRun, SECRET).protect, false);
    assert.equal(one(devRun, SECRET).inputs.recoveryWindowInDays, 7);
  });

  it("prod: Multi-AZ with automatic failover, snapshots, maintenance-window changes, protected", () => {
    const group = one(prodRun, RG);
    assert.equal(group.inputs.nodeType, "cache.m7g.large");
    assert.equal(group.inputs.numCacheClusters, 2);
    assert.equal(group.inputs.automaticFailoverEnabled, true);
    assert.equal(group.inputs.multiAzEnabled, true);
    assert.equal(group.inputs.snapshotRetentionLimit, 7);
    assert.equal(group.inputs.finalSnapshotIdentifier, "loom-prod-cache-final");
    assert.equal(group.inputs.applyImmediately, false);
    assert.equal(group.protect, true);
    assert.equal(one(prodRun, KEY).protect, true);
    assert.equal(one(prodRun, SECRET).protect, true);
    assert.equal(one(prodRun, SECRET).inputs.recoveryWindowInDays, 30);
  });

  it("places the cache in the private data subnets", () => {
    assert.deepEqual(one(devRun, SUBNET_GROUP).inputs.subnetIds, ["subnet-data-a", "subnet-data-b"]);
    assert.equal(one(devRun, SUBNET_GROUP).inputs.name, "loom-dev-cache");
  });

  it("uses a rotating customer managed key the regional logs service may use", () => {
    const key = one(devRun, KEY);
    assert.equal(key.inputs.enableKeyRotation, true);
    const policy = JSON.parse(String(key.inputs.policy));
    const services = policy.Statement.map((s: { Principal: { Service?: string } }) => s.Principal.Service).filter(
      Boolean,
    );
    assert.deepEqual(services, ["logs.eu-west-1.amazonaws.com"]);
  });

  it("delivers the slow log to a KMS-encrypted log group with the configured retention", () => {
    const group = one(prodRun, RG);
    assert.deepEqual(group.inputs.logDeliveryConfigurations, [
      {
        destination: "/loom/prod/cache/slow-log",
        destinationType: "cloudwatch-logs",
        logFormat: "json",
        logType: "slow-log",
      },
    ]);
    const logs = one(prodRun, LOG_GROUP);
    assert.equal(logs.inputs.name, "/loom/prod/cache/slow-log");
    assert.equal(logs.inputs.retentionInDays, 90);
    assert.match(String(logs.inputs.kmsKeyId), CACHE_KEY_ARN);
  });

  it("generates a 64-character token without characters ElastiCache rejects", () => {
    const password = one(devRun, PASSWORD);
    assert.equal(password.inputs.length, 64);
    assert.equal(password.inputs.special, false);
    assert.equal(password.inputs.overrideSpecial, undefined);
  });

  it("passes the token only as a secret and stores it in a KMS-encrypted Secrets Manager secret", () => {
    const group = one(devRun, RG);
    assert.ok(group.secretPaths.includes("authToken"), `secret paths: ${group.secretPaths.join(", ")}`);
    const version = one(devRun, SECRET_VERSION);
    assert.ok(version.secretPaths.includes("secretString"));
    assert.equal(version.inputs.secretString, group.inputs.authToken);
    const secret = one(devRun, SECRET);
    assert.equal(secret.inputs.name, "loom-dev/cache/auth-token");
    assert.match(String(secret.inputs.kmsKeyId), CACHE_KEY_ARN);
    assert.equal(version.inputs.secretId, "arn:aws:secretsmanager:eu-west-1:111122223333:secret/loom-cache-auth-token");
  });

  it("never shows the token outside secret inputs", () => {
    const token = String(one(devRun, RG).inputs.authToken);
    for (const r of devRun.resources) {
      const shown = JSON.stringify(redact(r.inputs, r.secretPaths));
      assert.ok(!shown.includes(token), `${r.type} ${r.name} shows the token`);
    }
  });

  it("outputs the TLS endpoint, the port and where the token lives (never the token)", () => {
    assert.deepEqual(devRun.outputs, {
      endpoint: "master.loom-cache.abcdef.eu-west-1.cache.amazonaws.com",
      port: 6379,
      tls: true,
      authTokenId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret/loom-cache-auth-token",
      monitoring: { cloud: "aws", replicationGroupId: "loom-dev-cache" },
    });
  });
});
