import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../../components/app-service";
import { HSTS_HEADER, TLS_POLICY } from "../../components/app-service/aws";
import { isSensitiveEnvName } from "../../components/lib/sensitive";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, ofType, one, runComponents } from "../harness/program";
import { awsTarget, fakeAwsNetwork, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const T = {
  cluster: "aws:ecs/cluster:Cluster",
  capacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  key: "aws:kms/key:Key",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  bucket: "aws:s3/bucket:Bucket",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  certificate: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  ipSet: "aws:wafv2/ipSet:IpSet",
  aclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
};

const DB_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-loom-AbCdEf";
const CACHE_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:loom/cache/auth-token-GhIjKl";
const LLM_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret/loom-app-secret-llm-api-key";
const CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-1111-2222-3333-444444444444";

type Env = "dev" | "staging" | "prod";
const PROFILE: Record<Env, Partial<AppServiceArgs>> = {
  dev: {
    autoscaling: false,
    waf: false,
    platform: staticAwsPlatform(awsTarget({ hostedZoneId: undefined, certificateArn: CERT_ARN })),
  },
  staging: { autoscaling: true, waf: true },
  prod: {
    autoscaling: true,
    waf: true,
    protect: true,
    deletionProtection: true,
    ingressCidrs: ["203.0.113.0/24", "2001:db8::/32"],
    worker: { cpu: 1, memoryMiB: 2048, minReplicas: 2, maxReplicas: 20, jobsPerWorker: 5, spot: false },
  },
};

/** Args as index.ts builds them; call inside the program (Outputs need the mocked runtime). */
function appArgs(env: Env, over: Partial<AppServiceArgs> = {}): AppServiceArgs {
  return {
    platform: staticAwsPlatform(),
    context: context(env),
    network: fakeAwsNetwork(),
    image: "ghcr.io/example/loom:1.4.2",
    domain: "loom.example.com",
    web: {
      cpu: 0.5,
      memoryMiB: 1024,
      minReplicas: 2,
      maxReplicas: 4,
      targetCpuPercent: 60,
      targetRequestsPerTarget: 1000,
    },
    worker: { cpu: 0.5, memoryMiB: 1024, minReplicas: 1, maxReplicas: 4, jobsPerWorker: 10, spot: true },
    env: {
      LOOM_ENVIRONMENT: env,
      PORT: "8080",
      DATABASE_HOST: pulumi.output("loom.proxy-abc.eu-west-1.rds.amazonaws.com"),
      REDIS_TLS: "true",
    },
    secrets: {
      DATABASE_USER: { id: DB_SECRET, key: "username" },
      DATABASE_PASSWORD: { id: pulumi.output(DB_SECRET), key: "password" },
      REDIS_PASSWORD: { id: pulumi.output(CACHE_SECRET) },
    },
    appSecretNames: ["LLM_API_KEY"],
    logRetentionDays: 30,
    rateLimitPer5Min: 2000,
    ...PROFILE[env],
    ...over,
  };
}

interface Built {
  run: ProgramRun;
  /** Resource options as the engine received them, by `${type}::${name}`. */
  options: Map<string, pulumi.ResourceOptions>;
}

async function build(env: Env, over: Partial<AppServiceArgs> = {}): Promise<Built> {
  const options = new Map<string, pulumi.ResourceOptions>();
  const run = await runComponents(() => {
    pulumi.runtime.registerStackTransformation((a) => {
      options.set(`${a.type}::${a.name}`, a.opts);
      return undefined;
    });
    const app = new AppService("loom", withPlatform(appArgs(env, over)));
    return {
      url: app.url,
      edgeHostname: app.edgeHostname,
      monitoring: app.monitoring,
      migrateCommand: app.migrateCommand,
    };
  });
  return { run, options };
}

interface Container {
  name: string;
  user: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  [key: string]: unknown;
}
/** The task definition's app container (the first; the telemetry sidecar is the second: aws-telemetry spec). */
function container(run: ProgramRun, name: string): Container {
  const all: Container[] = JSON.parse(String(one(run, T.task, name).inputs.containerDefinitions));
  assert.deepEqual(
    all.map((c) => c.name),
    [name.replace(/^loom-/, ""), "otel-collector"],
    `${name}: the app and its sidecar`,
  );
  return all[0] as Container;
}
const policyOf = (r: PlannedResource) => JSON.parse(String(r.inputs.policy));

describe("AppService on aws", () => {
  const runs = {} as Record<Env, Built>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
  });
  const run = (env: Env) => runs[env].run;

  describe("cluster, logs, roles, secrets", () => {
    it("runs an ECS cluster with Container Insights on Fargate and Fargate Spot", () => {
      assert.deepEqual(one(run("dev"), T.cluster).inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
      assert.equal(one(run("dev"), T.cluster).inputs.name, "loom-dev");
      const capacity = one(run("dev"), T.capacity);
      assert.deepEqual(capacity.inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
      assert.equal(capacity.inputs.clusterName, "loom-dev");
    });

    it("writes each tier's logs to a KMS-encrypted group with the configured retention", () => {
      const groups = ofType(run("staging"), T.logGroup);
      assert.deepEqual(groups.map((g) => g.inputs.name).sort(), [
        "/loom/staging/metrics",
        "/loom/staging/migrate",
        "/loom/staging/otel-collector",
        "/loom/staging/web",
        "/loom/staging/worker",
      ]);
      for (const g of groups) {
        assert.equal(g.inputs.retentionInDays, 30);
        assert.equal(g.inputs.kmsKeyId, "arn:aws:kms:eu-west-1:111122223333:key/loom-app-logs");
      }
      const key = one(run("staging"), T.key, "loom-app-logs");
      const services = policyOf(key).Statement.map((s: { Principal: { Service?: string } }) => s.Principal.Service);
      assert.ok(services.includes("logs.eu-west-1.amazonaws.com"));
    });

    it("lets each execution role read exactly its tasks' secrets and decrypt via Secrets Manager", () => {
      const managed = ofType(run("staging"), T.attachment).map((a) => [a.name, a.inputs.role, a.inputs.policyArn]);
      const policyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
      assert.deepEqual(managed, [
        ["loom-app-execution-managed", "loom-staging-ecs-execution", policyArn],
        ["loom-migrate-execution-managed", "loom-staging-ecs-migrate-execution", policyArn],
      ]);
      const read = (policy: string, role: string) => {
        const inline = one(run("staging"), T.rolePolicy, policy);
        assert.equal(inline.inputs.role, role);
        const [statement, decrypt] = policyOf(inline).Statement;
        assert.equal(statement.Sid, "ReadReferencedSecrets");
        assert.equal(statement.Action, "secretsmanager:GetSecretValue");
        assert.equal(decrypt.Action, "kms:Decrypt");
        assert.deepEqual(decrypt.Condition, {
          StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" },
        });
        assert.equal(policyOf(inline).Statement.length, 2);
        return statement.Resource;
      };
      // web and worker's role: every credential they get; migrate's: the database's only.
      assert.deepEqual(
        read("loom-app-execution-secrets", "loom-staging-ecs-execution"),
        [CACHE_SECRET, DB_SECRET, LLM_SECRET].sort(),
      );
      assert.deepEqual(read("loom-migrate-execution-secrets", "loom-staging-ecs-migrate-execution"), [DB_SECRET]);
    });

    it("trusts only ECS tasks of this account; the task roles only send X-Ray segments and EMF metric logs", () => {
      for (const role of ofType(run("staging"), T.role)) {
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0];
        assert.deepEqual(trust.Principal, { Service: "ecs-tasks.amazonaws.com" });
        assert.deepEqual(trust.Condition.StringEquals, { "aws:SourceAccount": "111122223333" });
      }
      const group = "arn:aws:logs:eu-west-1:111122223333:log-group:/loom/staging/metrics";
      for (const [owner, role] of [
        ["app", "loom-staging-ecs-task"],
        ["migrate", "loom-staging-ecs-migrate-task"],
      ]) {
        const policy = one(run("staging"), T.rolePolicy, `loom-${owner}-task-telemetry`);
        assert.deepEqual(policyOf(policy).Statement, [
          { Sid: "SendTraceSegments", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" },
          {
            Sid: "WriteEmfMetricLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: [group, `${group}:log-stream:*`],
          },
        ]);
        assert.equal(policy.inputs.role, role);
      }
      assert.equal(ofType(run("staging"), T.rolePolicy).length, 4, "execution secrets + task telemetry, twice");
    });

    it("creates one empty KMS-encrypted secret per app secret name, protected in prod", () => {
      for (const env of ["dev", "prod"] as const) {
        const secret = one(run(env), T.secret);
        assert.equal(secret.name, "loom-app-secret-llm-api-key");
        assert.equal(secret.inputs.name, `loom-${env}/app/LLM_API_KEY`);
        assert.equal(secret.inputs.kmsKeyId, "arn:aws:kms:eu-west-1:111122223333:key/loom-app-secrets");
        assert.equal(secret.inputs.recoveryWindowInDays, env === "prod" ? 30 : 7);
        assert.equal(secret.protect, env === "prod");
        assert.equal(one(run(env), T.key, "loom-app-secrets").protect, env === "prod");
        assert.equal(one(run(env), T.key, "loom-app-logs").protect, env === "prod");
      }
      assert.equal(ofType(run("prod"), T.secretVersion).length, 0, "values are put out of band, never by Pulumi");
    });
  });

  describe("task definitions", () => {
    it("defines web, worker and migrate for Fargate with the profile's sizes", () => {
      for (const tier of ["web", "worker", "migrate"]) {
        const task = one(run("prod"), T.task, `loom-${tier}`);
        assert.equal(task.inputs.family, `loom-prod-${tier}`);
        assert.deepEqual(task.inputs.requiresCompatibilities, ["FARGATE"]);
        assert.equal(task.inputs.networkMode, "awsvpc");
        assert.deepEqual(task.inputs.runtimePlatform, { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" });
        assert.deepEqual(task.inputs.volumes, [{ name: "tmp" }]);
        const owner = tier === "migrate" ? "migrate" : "app";
        assert.equal(task.inputs.executionRoleArn, `arn:aws:iam:eu-west-1:111122223333:role/loom-${owner}-execution`);
        assert.equal(task.inputs.taskRoleArn, `arn:aws:iam:eu-west-1:111122223333:role/loom-${owner}-task`);
      }
      assert.equal(one(run("prod"), T.task, "loom-web").inputs.cpu, "512");
      assert.equal(one(run("prod"), T.task, "loom-web").inputs.memory, "1024");
      assert.equal(one(run("prod"), T.task, "loom-worker").inputs.cpu, "1024");
      assert.equal(one(run("prod"), T.task, "loom-worker").inputs.memory, "2048");
    });

    it("hardens every container: non-root, read-only root, unprivileged, no capabilities, writable /tmp", () => {
      for (const tier of ["web", "worker", "migrate"]) {
        const c = container(run("staging"), `loom-${tier}`);
        assert.equal(c.name, tier);
        assert.equal(c.image, "ghcr.io/example/loom:1.4.2");
        assert.equal(c.user, "10001:10001");
        assert.equal(c.readonlyRootFilesystem, true);
        assert.equal(c.privileged, false);
        assert.deepEqual(c.linuxParameters, { initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
        assert.deepEqual(c.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
        assert.equal(c.stopTimeout, 120);
        assert.deepEqual(c.logConfiguration, {
          logDriver: "awslogs",
          options: {
            "awslogs-group": `/loom/staging/${tier}`,
            "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": tier,
            mode: "non-blocking",
            "max-buffer-size": "25m",
          },
        });
      }
    });

    it("exposes a port and an HTTP health probe only on web; the worker checks itself; migrate runs once", () => {
      const web = container(run("staging"), "loom-web");
      const worker = container(run("staging"), "loom-worker");
      const migrate = container(run("staging"), "loom-migrate");
      assert.deepEqual(web.portMappings, [{ containerPort: 8080, protocol: "tcp" }]);
      assert.deepEqual(web.command, ["loom", "serve"]);
      assert.deepEqual(web.healthCheck, {
        command: ["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"],
        interval: 30,
        timeout: 5,
        retries: 3,
        startPeriod: 60,
      });
      assert.deepEqual(worker.portMappings, []);
      assert.deepEqual(worker.command, ["loom", "worker"]);
      assert.deepEqual((worker.healthCheck as { command: string[] }).command, [
        "CMD",
        "loom",
        "healthcheck",
        "--worker",
      ]);
      assert.deepEqual(migrate.portMappings, []);
      assert.deepEqual(migrate.command, ["loom", "migrate"]);
      assert.equal(migrate.healthCheck, undefined);
    });

    it("follows the app contract's port, health path and uid", async () => {
      const custom = await build("dev", { app: { port: 9000, healthPath: "/livez", runAsUser: 4242 } });
      const web = container(custom.run, "loom-web");
      assert.equal(web.user, "4242:4242");
      assert.deepEqual(web.portMappings, [{ containerPort: 9000, protocol: "tcp" }]);
      assert.deepEqual((web.healthCheck as { command: string[] }).command, [
        "CMD",
        "loom",
        "healthcheck",
        "--url",
        "http://127.0.0.1:9000/livez",
      ]);
      const tg = one(custom.run, T.targetGroup);
      assert.equal(tg.inputs.port, 9000);
      assert.equal((tg.inputs.healthCheck as { path: string }).path, "/livez");
    });

    it("passes every credential in `secrets` and none in `environment`; migrate gets only the database's", () => {
      for (const tier of ["web", "worker", "migrate"]) {
        const c = container(run("staging"), `loom-${tier}`);
        const app = c.environment.filter((e) => !e.name.startsWith("OTEL_"));
        assert.deepEqual(app, [
          { name: "DATABASE_HOST", value: "loom.proxy-abc.eu-west-1.rds.amazonaws.com" },
          { name: "LOOM_ENVIRONMENT", value: "staging" },
          { name: "PORT", value: "8080" },
          { name: "REDIS_TLS", value: "true" },
        ]);
        for (const { name, value } of c.environment) {
          assert.ok(!isSensitiveEnvName(name), `${name} looks like a credential`);
          assert.ok(!value.startsWith("arn:aws:secretsmanager"), `${name} carries a secret reference as plain text`);
        }
        const database = [
          { name: "DATABASE_PASSWORD", valueFrom: `${DB_SECRET}:password::` },
          { name: "DATABASE_USER", valueFrom: `${DB_SECRET}:username::` },
        ];
        assert.deepEqual(
          c.secrets,
          tier === "migrate"
            ? database
            : [
                ...database,
                { name: "LLM_API_KEY", valueFrom: LLM_SECRET },
                { name: "REDIS_PASSWORD", valueFrom: CACHE_SECRET },
              ],
        );
      }
    });

    it("gives migrate no LLM key and no cache password, in every environment (workload-secrets.ts)", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const names = container(run(env), "loom-migrate").secrets.map((x) => x.name);
        assert.deepEqual(names, ["DATABASE_PASSWORD", "DATABASE_USER"], env);
        const raw = String(one(run(env), T.task, "loom-migrate").inputs.containerDefinitions);
        assert.ok(
          !raw.includes(LLM_SECRET) && !raw.includes(CACHE_SECRET),
          `${env}: migrate references another secret`,
        );
      }
    });

    it("refuses a secret value in `environment`", async () => {
      await assert.rejects(
        build("dev", { env: { LOOM_ENVIRONMENT: "dev", DATABASE_HOST: pulumi.secret("leaked.example") } }),
        /AppService env DATABASE_HOST: secret values would be stored in plain text/,
      );
    });
  });

  describe("edge", () => {
    it("puts an internet-facing ALB in the public subnets that drops invalid headers", () => {
      const alb = one(run("staging"), T.alb);
      assert.equal(alb.inputs.name, "loom-staging-web");
      assert.equal(alb.inputs.internal, false);
      assert.equal(alb.inputs.loadBalancerType, "application");
      assert.deepEqual(alb.inputs.subnets, ["subnet-public-a", "subnet-public-b"]);
      assert.deepEqual(alb.inputs.securityGroups, ["sg-edge"]);
      assert.equal(alb.inputs.dropInvalidHeaderFields, true);
      assert.equal(alb.inputs.desyncMitigationMode, "strictest");
      assert.equal(alb.inputs.idleTimeout, 60);
      assert.deepEqual(alb.inputs.accessLogs, {
        bucket: "loom-staging-alb-logs-eu-west-1-111122223333",
        prefix: "alb",
        enabled: true,
      });
    });

    it("turns on deletion protection only when asked", () => {
      assert.equal(one(run("dev"), T.alb).inputs.enableDeletionProtection, false);
      assert.equal(one(run("staging"), T.alb).inputs.enableDeletionProtection, false);
      assert.equal(one(run("prod"), T.alb).inputs.enableDeletionProtection, true);
    });

    it("keeps access logs in a private, TLS-only, SSE-S3 bucket that expires them", () => {
      const r = run("prod");
      const bucket = one(r, T.bucket);
      assert.equal(bucket.inputs.bucket, "loom-prod-alb-logs-eu-west-1-111122223333");
      assert.equal(bucket.protect, true);
      assert.equal(one(run("dev"), T.bucket).protect, false);
      assert.deepEqual(one(r, T.publicAccess).inputs, {
        bucket: "loom-prod-alb-logs-eu-west-1-111122223333",
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      assert.deepEqual(one(r, T.ownership).inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
      assert.deepEqual(one(r, T.encryption).inputs.rules, [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
      const [rule] = one(r, T.lifecycle).inputs.rules as Record<string, unknown>[];
      assert.equal(rule?.status, "Enabled");
      assert.deepEqual(rule?.expiration, { days: 30 });
      const statements = policyOf(one(r, T.bucketPolicy)).Statement;
      assert.deepEqual(statements[0].Principal, { AWS: "arn:aws:iam::111122223333:root" });
      assert.equal(
        statements[0].Resource,
        "arn:aws:s3:::loom-prod-alb-logs-eu-west-1-111122223333/alb/AWSLogs/111122223333/*",
      );
      assert.deepEqual(statements[2].Condition, { Bool: { "aws:SecureTransport": "false" } });
      assert.equal(statements[2].Effect, "Deny");
    });

    it("health-checks the web tier on the app's health path and drains quickly", () => {
      const tg = one(run("staging"), T.targetGroup);
      assert.equal(tg.inputs.targetType, "ip");
      assert.equal(tg.inputs.protocol, "HTTP");
      assert.equal(tg.inputs.port, 8080);
      assert.equal(tg.inputs.vpcId, "vpc-0mock");
      assert.equal(tg.inputs.deregistrationDelay, 30);
      const hc = tg.inputs.healthCheck as Record<string, unknown>;
      assert.equal(hc.path, "/healthz");
      assert.equal(hc.matcher, "200-399");
      assert.equal(hc.enabled, true);
    });

    it("serves HTTPS with the TLS 1.3 policy and HSTS, and redirects HTTP with a 301", () => {
      const https = one(run("staging"), T.listener, "loom-https");
      assert.equal(https.inputs.port, 443);
      assert.equal(https.inputs.protocol, "HTTPS");
      assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
      assert.equal(TLS_POLICY, "ELBSecurityPolicy-TLS13-1-2-2021-06");
      assert.equal(
        https.inputs.routingHttpResponseStrictTransportSecurityHeaderValue,
        "max-age=31536000; includeSubDomains; preload",
      );
      assert.equal(HSTS_HEADER, "max-age=31536000; includeSubDomains; preload");
      assert.deepEqual(https.inputs.defaultActions, [
        { type: "forward", targetGroupArn: "arn:aws:lb:eu-west-1:111122223333:targetgroup/loom-web" },
      ]);
      const http = one(run("staging"), T.listener, "loom-http");
      assert.equal(http.inputs.port, 80);
      assert.equal(http.inputs.protocol, "HTTP");
      assert.deepEqual(http.inputs.defaultActions, [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ]);
    });

    it("answers 404 at the edge for the metrics path, on the HTTPS listener", () => {
      const rule = one(run("staging"), "aws:lb/listenerRule:ListenerRule", "loom-hide-metrics");
      assert.equal(rule.inputs.listenerArn, "arn:aws:lb:eu-west-1:111122223333:listener/loom-https");
      assert.deepEqual(rule.inputs.conditions, [{ pathPattern: { values: ["/metrics", "/metrics/*"] } }]);
      assert.deepEqual(rule.inputs.actions, [
        {
          type: "fixed-response",
          fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "not found" },
        },
      ]);
    });

    it("validates an ACM certificate in the managed zone and points the domain at the ALB", () => {
      const r = run("staging");
      const cert = one(r, T.certificate);
      assert.equal(cert.inputs.domainName, "loom.example.com");
      assert.equal(cert.inputs.validationMethod, "DNS");
      const validationRecord = one(r, T.record, "loom-web-cert-validation");
      assert.deepEqual(
        [
          validationRecord.inputs.zoneId,
          validationRecord.inputs.name,
          validationRecord.inputs.type,
          validationRecord.inputs.records,
        ],
        ["Z0EXAMPLEZONE", "_abc.loom.example.com.", "CNAME", ["_xyz.acm-validations.aws."]],
      );
      const validation = one(r, T.validation);
      assert.deepEqual(validation.inputs.validationRecordFqdns, ["_abc.loom.example.com"]);
      assert.equal(one(r, T.listener, "loom-https").inputs.certificateArn, validation.inputs.certificateArn);
      const alias = one(r, T.record, "loom-web-alias");
      assert.equal(alias.inputs.name, "loom.example.com");
      assert.equal(alias.inputs.type, "A");
      assert.deepEqual(alias.inputs.aliases, [
        {
          name: "loom-alb-1234567890.eu-west-1.elb.amazonaws.com",
          zoneId: "Z0MOCKELBZONE",
          evaluateTargetHealth: true,
        },
      ]);
    });

    it("serves the configured certificate when no zone is managed here", () => {
      const r = run("dev");
      assert.equal(ofType(r, T.certificate).length, 0);
      assert.equal(ofType(r, T.record).length, 0);
      assert.equal(one(r, T.listener, "loom-https").inputs.certificateArn, CERT_ARN);
    });

    it("puts a WAF in front only when asked: managed rules and a per-IP rate limit", () => {
      assert.equal(ofType(run("dev"), T.webAcl).length, 0);
      assert.equal(ofType(run("dev"), T.aclAssociation).length, 0);
      const acl = one(run("staging"), T.webAcl);
      assert.equal(acl.inputs.scope, "REGIONAL");
      assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
      const rules = acl.inputs.rules as {
        name: string;
        statement: Record<string, unknown>;
        visibilityConfig: Record<string, unknown>;
      }[];
      assert.deepEqual(
        rules.map((r) => r.name),
        ["rate-limit-per-ip", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
      );
      assert.deepEqual(rules[0]?.statement, {
        rateBasedStatement: { limit: 2000, aggregateKeyType: "IP", evaluationWindowSec: 300 },
      });
      for (const rule of rules) {
        assert.equal(rule.visibilityConfig.cloudwatchMetricsEnabled, true);
        assert.equal(rule.visibilityConfig.sampledRequestsEnabled, true);
      }
      assert.equal((acl.inputs.visibilityConfig as Record<string, unknown>).cloudwatchMetricsEnabled, true);
      assert.equal(ofType(run("staging"), T.ipSet).length, 0, "open edge: no allow-list");
      const association = one(run("staging"), T.aclAssociation);
      assert.equal(association.inputs.resourceArn, "arn:aws:lb:eu-west-1:111122223333:loadbalancer/loom-alb");
      assert.equal(association.inputs.webAclArn, "arn:aws:wafv2:eu-west-1:111122223333:webacl/loom-waf");
    });

    it("blocks clients outside a narrower allow-list first", () => {
      const sets = ofType(run("prod"), T.ipSet);
      assert.deepEqual(
        sets.map((s) => [s.inputs.ipAddressVersion, s.inputs.addresses, s.inputs.scope]),
        [
          ["IPV4", ["203.0.113.0/24"], "REGIONAL"],
          ["IPV6", ["2001:db8::/32"], "REGIONAL"],
        ],
      );
      const [first] = one(run("prod"), T.webAcl).inputs.rules as Record<string, unknown>[];
      assert.equal(first?.name, "block-outside-allow-list");
      assert.deepEqual(first?.action, { block: {} });
      assert.deepEqual(first?.statement, {
        notStatement: {
          statement: {
            orStatement: {
              statements: [
                { ipSetReferenceStatement: { arn: "arn:aws:wafv2:eu-west-1:111122223333:ipset/loom-waf-allow-ipv4" } },
                { ipSetReferenceStatement: { arn: "arn:aws:wafv2:eu-west-1:111122223333:ipset/loom-waf-allow-ipv6" } },
              ],
            },
          },
        },
      });
    });
  });

  describe("services and scaling", () => {
    it("rolls deployments 100/200 with a rolling-back circuit breaker, privately, without exec", () => {
      for (const name of ["loom-web", "loom-worker"]) {
        const s = one(run("staging"), T.service, name);
        assert.equal(s.inputs.cluster, "arn:aws:ecs:eu-west-1:111122223333:cluster/loom-app");
        assert.equal(s.inputs.deploymentMinimumHealthyPercent, 100);
        assert.equal(s.inputs.deploymentMaximumPercent, 200);
        assert.deepEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.deepEqual(s.inputs.networkConfiguration, {
          subnets: ["subnet-private-a", "subnet-private-b"],
          securityGroups: ["sg-app"],
          assignPublicIp: false,
        });
        assert.equal(s.inputs.propagateTags, "SERVICE");
        assert.equal(s.inputs.enableEcsManagedTags, true);
        assert.equal(s.inputs.enableExecuteCommand, false);
        assert.equal(s.inputs.launchType, undefined);
      }
    });

    it("registers web with the target group, on regular Fargate", () => {
      const web = one(run("staging"), T.service, "loom-web");
      assert.equal(web.inputs.name, "loom-staging-web");
      assert.equal(web.inputs.taskDefinition, "arn:aws:ecs:eu-west-1:111122223333:taskdefinition/loom-web");
      assert.deepEqual(web.inputs.loadBalancers, [
        {
          targetGroupArn: "arn:aws:lb:eu-west-1:111122223333:targetgroup/loom-web",
          containerName: "web",
          containerPort: 8080,
        },
      ]);
      assert.equal(web.inputs.healthCheckGracePeriodSeconds, 60);
      assert.deepEqual(web.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", weight: 1 }]);
    });

    it("runs workers on Fargate Spot (keeping one on-demand task) only when asked", () => {
      assert.deepEqual(one(run("staging"), T.service, "loom-worker").inputs.capacityProviderStrategies, [
        { capacityProvider: "FARGATE", base: 1, weight: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 4 },
      ]);
      assert.deepEqual(one(run("prod"), T.service, "loom-worker").inputs.capacityProviderStrategies, [
        { capacityProvider: "FARGATE", weight: 1 },
      ]);
    });

    it("without autoscaling: a fixed count and no scaling resources", () => {
      const r = runs.dev;
      assert.equal(ofType(r.run, T.scalingTarget).length, 0);
      assert.equal(ofType(r.run, T.scalingPolicy).length, 0);
      assert.equal(one(r.run, T.service, "loom-web").inputs.desiredCount, 2);
      assert.equal(one(r.run, T.service, "loom-worker").inputs.desiredCount, 1);
      assert.equal(r.options.get(`${T.service}::loom-web`)?.ignoreChanges, undefined);
    });

    it("with autoscaling: min/max per service, and the autoscaler owns desiredCount", () => {
      const r = runs.prod;
      const targets = ofType(r.run, T.scalingTarget);
      assert.deepEqual(
        targets.map((t) => [
          t.inputs.resourceId,
          t.inputs.minCapacity,
          t.inputs.maxCapacity,
          t.inputs.scalableDimension,
        ]),
        [
          ["service/loom-prod/loom-prod-web", 2, 4, "ecs:service:DesiredCount"],
          ["service/loom-prod/loom-prod-worker", 2, 20, "ecs:service:DesiredCount"],
        ],
      );
      for (const name of ["loom-web", "loom-worker"]) {
        assert.deepEqual(r.options.get(`${T.service}::${name}`)?.ignoreChanges, ["desiredCount"]);
      }
    });

    it("scales web on CPU and on ALB requests per target", () => {
      const r = run("staging");
      const cpu = one(r, T.scalingPolicy, "loom-web-cpu");
      assert.equal(cpu.inputs.policyType, "TargetTrackingScaling");
      assert.equal(cpu.inputs.resourceId, "service/loom-staging/loom-staging-web");
      assert.deepEqual(cpu.inputs.targetTrackingScalingPolicyConfiguration, {
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        targetValue: 60,
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
      });
      const requests = one(r, T.scalingPolicy, "loom-web-requests");
      assert.deepEqual(requests.inputs.targetTrackingScalingPolicyConfiguration, {
        predefinedMetricSpecification: {
          predefinedMetricType: "ALBRequestCountPerTarget",
          resourceLabel: "app/loom-alb/50dc6c495c0c9188/targetgroup/loom-web/73e2d6bc24d8a067",
        },
        targetValue: 1000,
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
      });
    });

    it("scales workers on queued jobs per running worker (Loom/QueueDepth ÷ RunningTaskCount)", () => {
      const backlog = one(run("prod"), T.scalingPolicy, "loom-worker-backlog");
      assert.equal(backlog.inputs.resourceId, "service/loom-prod/loom-prod-worker");
      const config = backlog.inputs.targetTrackingScalingPolicyConfiguration as Record<string, unknown>;
      assert.equal(config.targetValue, 5);
      assert.deepEqual(config.customizedMetricSpecification, {
        metrics: [
          {
            id: "depth",
            label: "Review jobs waiting in the queue",
            metricStat: {
              metric: {
                namespace: "Loom",
                metricName: "QueueDepth",
                dimensions: [{ name: "Environment", value: "prod" }],
              },
              stat: "Average",
            },
            returnData: false,
          },
          {
            id: "running",
            label: "Running worker tasks",
            metricStat: {
              metric: {
                namespace: "ECS/ContainerInsights",
                metricName: "RunningTaskCount",
                dimensions: [
                  { name: "ClusterName", value: "loom-prod" },
                  { name: "ServiceName", value: "loom-prod-worker" },
                ],
              },
              stat: "Average",
            },
            returnData: false,
          },
          { id: "backlog", label: "Queued jobs per running worker", expression: "depth / running", returnData: true },
        ],
      });
    });
  });

  describe("loadBalancer", () => {
    it("has no effect on AWS: Fargate has no built-in HTTPS endpoint, so the ALB stays (applicability.ts)", async () => {
      const off = await build("staging", { loadBalancer: false });
      const shape = (r: ProgramRun) => r.resources.map((x) => [x.urn, JSON.stringify(x.inputs)]);
      assert.deepEqual(shape(off.run), shape(run("staging")));
      assert.equal(ofType(off.run, T.alb).length, 1);
    });
  });

  describe("outputs", () => {
    it("returns the URL, the edge host name, monitoring ids and a ready migrate command", () => {
      assert.deepEqual(run("staging").outputs, {
        url: "https://loom.example.com",
        edgeHostname: "loom-alb-1234567890.eu-west-1.elb.amazonaws.com",
        monitoring: {
          cloud: "aws",
          certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/loom-web",
          clusterName: "loom-staging",
          webServiceName: "loom-staging-web",
          workerServiceName: "loom-staging-worker",
          loadBalancerArnSuffix: "app/loom-alb/50dc6c495c0c9188",
          targetGroupArnSuffix: "targetgroup/loom-web/73e2d6bc24d8a067",
          environment: "staging",
        },
        migrateCommand:
          "aws ecs run-task --cluster loom-staging --task-definition loom-staging-migrate --launch-type FARGATE " +
          '--network-configuration "awsvpcConfiguration={subnets=[subnet-private-a,subnet-private-b],securityGroups=[sg-app],assignPublicIp=DISABLED}" ' +
          "--started-by loom-migrate --region eu-west-1",
      });
    });
  });

  describe("argument errors", () => {
    const rejects = (f: () => AppServiceArgs, propertyPath: string, message: string) =>
      assert.rejects(
        runComponents(() => {
          new AppService("loom", f());
        }),
        { propertyPath, message },
      );

    it("rejects a credential-looking name in env", () =>
      rejects(
        () => appArgs("dev", { env: { OPENAI_API_KEY: "sk-not-here" } }),
        "env.OPENAI_API_KEY",
        "looks like a credential; pass it in `secrets`",
      ));

    it("rejects min above max", () =>
      rejects(
        () => appArgs("dev", { web: { cpu: 0.5, memoryMiB: 1024, minReplicas: 5, maxReplicas: 2 } }),
        "web.minReplicas",
        "5 is larger than maxReplicas 2",
      ));

    it("rejects a target with neither hosted zone nor certificate, naming both stack keys", () =>
      rejects(
        () => appArgs("dev", { platform: staticAwsPlatform(awsTarget({ hostedZoneId: undefined })) }),
        "loom:aws.hostedZoneId",
        "or loom:aws.certificateArn is required: the load balancer serves HTTPS and needs a certificate (a Route 53 zone for a DNS-validated one, or an existing ACM certificate ARN in aws:region)",
      ));

    it("rejects a variable that is both in env and secrets", () =>
      rejects(
        () => appArgs("dev", { env: { REDIS_HOST: "h" }, secrets: { REDIS_HOST: { id: DB_SECRET } } }),
        "secrets.REDIS_HOST",
        "is also set in `env`; a variable comes from one place",
      ));

    it("rejects a size Fargate cannot run", () =>
      rejects(
        () => appArgs("dev", { worker: { cpu: 0.25, memoryMiB: 4096, minReplicas: 1, maxReplicas: 1 } }),
        "loom:profile.worker.memoryMiB",
        "4096 MiB is not a Fargate memory size for 0.25 vCPU; allowed: 512, 1024, 2048 MiB",
      ));

    it("rejects queue-based worker scaling from zero workers", () =>
      rejects(
        () => appArgs("staging", { worker: { cpu: 0.5, memoryMiB: 1024, minReplicas: 0, maxReplicas: 4 } }),
        "worker.minReplicas",
        "must be at least 1 with autoscaling: the worker scales on queued jobs per running worker",
      ));

    it("rejects a WAF rate limit below what WAF enforces", () =>
      rejects(
        () => appArgs("staging", { rateLimitPer5Min: 5 }),
        "rateLimitPer5Min",
        "must be an integer from 10 to 2000000000, got 5",
      ));
  });
});
