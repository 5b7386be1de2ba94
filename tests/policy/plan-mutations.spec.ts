/**
 * The pack against the real program: plan prod on AWS once (mock engine, as `npm run plan`), then remove one
 * guarantee at a time from the planned inputs and check that exactly the expected rule fires, at the expected level,
 * on the mutated resource. Proves the rules read the shapes our components really produce (ECS containerDefinitions
 * JSON, parameter-group lists, listener actions), not only the hand-built fixtures.
 */
import assert from "node:assert/strict";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { packConfigFor, planStack } from "../../scripts/lib/plan";
import { evaluatePolicies } from "../../scripts/lib/policy-runner";
import { policies } from "../harness/fixtures";

type Inputs = Record<string, unknown>;
interface Mutation {
  title: string;
  type: string;
  pick?: (r: PlannedResource) => boolean;
  change: (inputs: Inputs) => void;
  protect?: boolean;
  policy: string;
  level: "mandatory" | "advisory";
}

const containers = (i: Inputs) => JSON.parse(String(i.containerDefinitions)) as Record<string, unknown>[];
const setContainers = (i: Inputs, c: Record<string, unknown>[]) => {
  i.containerDefinitions = JSON.stringify(c);
};

const MUTATIONS: Mutation[] = [
  {
    title: "rds.force_ssl set to 0 in the parameter group",
    type: "aws:rds/parameterGroup:ParameterGroup",
    change: (i) => {
      i.parameters = (i.parameters as { name: string }[]).map((p) =>
        p.name === "rds.force_ssl" ? { ...p, value: "0" } : p,
      );
    },
    policy: "datastore-tls-required",
    level: "mandatory",
  },
  {
    title: "HTTPS listener downgraded to ELBSecurityPolicy-2016-08",
    type: "aws:lb/listener:Listener",
    pick: (r) => r.inputs.protocol === "HTTPS",
    change: (i) => {
      i.sslPolicy = "ELBSecurityPolicy-2016-08";
    },
    policy: "min-tls-version",
    level: "mandatory",
  },
  {
    title: "HTTP listener forwarding instead of redirecting",
    type: "aws:lb/listener:Listener",
    pick: (r) => r.inputs.protocol === "HTTP",
    change: (i) => {
      i.defaultActions = [
        { type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/x/1" },
      ];
    },
    policy: "https-only-endpoints",
    level: "mandatory",
  },
  {
    title: "a database password added to a task's environment",
    type: "aws:ecs/taskDefinition:TaskDefinition",
    change: (i) => {
      const c = containers(i);
      const first = c[0] as { environment?: unknown[] };
      first.environment = [...(first.environment ?? []), { name: "DATABASE_PASSWORD", value: "hunter22hunter22" }];
      setContainers(i, c);
    },
    policy: "no-plaintext-secret-env",
    level: "mandatory",
  },
  {
    title: "a task running as root",
    type: "aws:ecs/taskDefinition:TaskDefinition",
    change: (i) => {
      const c = containers(i);
      (c[0] as { user?: string }).user = "root";
      setContainers(i, c);
    },
    policy: "container-hardening",
    level: "mandatory",
  },
  {
    title: "a task without task-level memory",
    type: "aws:ecs/taskDefinition:TaskDefinition",
    change: (i) => {
      delete i.memory;
    },
    policy: "container-resource-limits",
    level: "mandatory",
  },
  {
    title: "the database unencrypted",
    type: "aws:rds/instance:Instance",
    pick: (r) => !r.inputs.replicateSourceDb,
    change: (i) => {
      i.storageEncrypted = false;
    },
    policy: "datastore-encrypted-at-rest",
    level: "mandatory",
  },
  {
    title: "the database without deletion protection",
    type: "aws:rds/instance:Instance",
    pick: (r) => !r.inputs.replicateSourceDb,
    change: (i) => {
      i.deletionProtection = false;
    },
    policy: "deletion-protection",
    level: "mandatory",
  },
  {
    title: "the database unprotected in Pulumi",
    type: "aws:rds/instance:Instance",
    pick: (r) => !r.inputs.replicateSourceDb,
    change: () => undefined,
    protect: false,
    policy: "deletion-protection",
    level: "mandatory",
  },
  {
    title: "the database publicly accessible",
    type: "aws:rds/instance:Instance",
    pick: (r) => !r.inputs.replicateSourceDb,
    change: (i) => {
      i.publiclyAccessible = true;
    },
    policy: "database-not-public",
    level: "mandatory",
  },
  {
    title: "the cache without TLS",
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    change: (i) => {
      i.transitEncryptionEnabled = false;
      delete i.transitEncryptionMode;
    },
    policy: "datastore-tls-required",
    level: "mandatory",
  },
  {
    title: "the alert topic unencrypted",
    type: "aws:sns/topic:Topic",
    change: (i) => {
      delete i.kmsMasterKeyId;
    },
    policy: "messaging-encrypted-at-rest",
    level: "mandatory",
  },
  {
    title: "a KMS key without rotation",
    type: "aws:kms/key:Key",
    change: (i) => {
      i.enableKeyRotation = false;
    },
    policy: "kms-key-rotation",
    level: "mandatory",
  },
  {
    title: "SSH opened on a security group",
    type: "aws:ec2/securityGroup:SecurityGroup",
    change: (i) => {
      i.ingress = [
        ...((i.ingress as unknown[]) ?? []),
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
      ];
    },
    policy: "no-open-ingress",
    level: "mandatory",
  },
  {
    title: "a log group without its KMS key",
    type: "aws:cloudwatch/logGroup:LogGroup",
    change: (i) => {
      delete i.kmsKeyId;
    },
    policy: "log-group-kms",
    level: "advisory",
  },
  {
    title: "the backup vault on the AWS managed key",
    type: "aws:backup/vault:Vault",
    change: (i) => {
      delete i.kmsKeyArn;
    },
    policy: "backup-vault-encrypted",
    level: "mandatory",
  },
  {
    title: "backups kept 3 days",
    type: "aws:rds/instance:Instance",
    pick: (r) => !r.inputs.replicateSourceDb,
    change: (i) => {
      i.backupRetentionPeriod = 3;
    },
    policy: "backup-retention",
    level: "mandatory",
  },
];

describe("the pack on the real prod AWS plan, one guarantee removed at a time", () => {
  let resources: PlannedResource[] = [];
  const config = packConfigFor("prod");

  before(async () => {
    resources = (await planStack({ stack: "prod", cloud: "aws", policy: false })).resources;
  });

  it("starts clean: no violation at any level", async () => {
    assert.deepEqual((await evaluatePolicies(resources, policies, config)).violations, []);
  });

  for (const m of MUTATIONS) {
    it(`${m.title} → ${m.policy} (${m.level})`, async () => {
      const target = resources.find((r) => r.type === m.type && (m.pick ?? (() => true))(r));
      assert.ok(target, `no ${m.type} in the prod plan`);
      const inputs = structuredClone(target.inputs);
      m.change(inputs);
      const mutated = { ...target, inputs, protect: m.protect ?? target.protect };
      const { violations } = await evaluatePolicies(
        resources.map((r) => (r === target ? mutated : r)),
        policies,
        config,
      );
      assert.deepEqual(
        violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
        [[m.policy, m.level, target.urn]],
        violations.map((v) => v.message).join("\n"),
      );
    });
  }
});
