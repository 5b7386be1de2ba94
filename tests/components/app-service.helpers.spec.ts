/** Pure helpers of the AWS AppService: container definitions, policy documents, WAF rules. No mocks. */
import * as assert from "node:assert/strict";
import {
  type ContainerSpec,
  containerDefinition,
  STOP_TIMEOUT_SECONDS,
  secretValueFrom,
  WORKER_HEALTH_CHECK,
  webHealthCheck,
} from "../../components/app-service/containers";
import {
  accessLogBucketPolicy,
  ecsTasksTrustPolicy,
  executionSecretsPolicy,
  taskRolePolicy,
} from "../../components/app-service/policies";
import { allowList, checkRateLimit, wafRules } from "../../components/app-service/waf";

const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-loom-AbCdEf";
const ctx = { accountId: "111122223333", partition: "aws", region: "eu-west-1" };

const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: "web",
  image: "ghcr.io/example/loom:1.4.2",
  command: ["loom", "serve"],
  runAsUser: 10001,
  port: 8080,
  healthCheck: webHealthCheck(8080, "/healthz"),
  environment: { PORT: "8080", LOOM_ENVIRONMENT: "prod" },
  secrets: { DATABASE_PASSWORD: { id: SECRET, key: "password" }, REDIS_PASSWORD: { id: SECRET } },
  logGroupName: "/loom/prod/web",
  region: "eu-west-1",
  ...over,
});

describe("containerDefinition", () => {
  it("hardens every container the same way", () => {
    assert.deepEqual(containerDefinition(spec()), {
      name: "web",
      image: "ghcr.io/example/loom:1.4.2",
      essential: true,
      command: ["loom", "serve"],
      user: "10001:10001",
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      healthCheck: {
        command: ["CMD", "loom", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"],
        interval: 30,
        timeout: 5,
        retries: 3,
        startPeriod: 60,
      },
      stopTimeout: 120,
      environment: [
        { name: "LOOM_ENVIRONMENT", value: "prod" },
        { name: "PORT", value: "8080" },
      ],
      secrets: [
        { name: "DATABASE_PASSWORD", valueFrom: `${SECRET}:password::` },
        { name: "REDIS_PASSWORD", valueFrom: SECRET },
      ],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/loom/prod/web",
          "awslogs-region": "eu-west-1",
          "awslogs-stream-prefix": "web",
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      },
    });
    assert.equal(STOP_TIMEOUT_SECONDS, 120);
  });

  it("publishes no port and no health check where none is given (migrate)", () => {
    const def = containerDefinition(spec({ name: "migrate", port: undefined, healthCheck: undefined }));
    assert.deepEqual(def.portMappings, []);
    assert.equal("healthCheck" in def, false);
  });

  it("probes the worker with the CLI's worker check", () => {
    assert.deepEqual(WORKER_HEALTH_CHECK, ["CMD", "loom", "healthcheck", "--worker"]);
  });

  it("refuses root and a credential-looking plain variable", () => {
    assert.throws(() => containerDefinition(spec({ runAsUser: 0 })), { propertyPath: "app.runAsUser" });
    assert.throws(() => containerDefinition(spec({ environment: { OPENAI_API_KEY: "x" } })), {
      propertyPath: "env.OPENAI_API_KEY",
      message: "looks like a credential; pass it in `secrets`",
    });
    // The pack's one rule (lib/sensitive.ts): S3_ACCESS_KEY is a credential; a *_PATH naming where one lives is not.
    assert.throws(() => containerDefinition(spec({ environment: { S3_ACCESS_KEY: "x" } })), {
      propertyPath: "env.S3_ACCESS_KEY",
    });
    assert.doesNotThrow(() => containerDefinition(spec({ environment: { REDIS_PASSWORD_FILE_PATH: "/run/x" } })));
  });

  it("refuses a variable that is both plain and secret", () => {
    assert.throws(
      () =>
        containerDefinition(spec({ environment: { DATABASE_USER: "x" }, secrets: { DATABASE_USER: { id: SECRET } } })),
      {
        propertyPath: "env.DATABASE_USER",
      },
    );
  });

  it("addresses a JSON key as <arn>:<key>:: and a whole secret by its ARN", () => {
    assert.equal(secretValueFrom({ id: SECRET, key: "username" }), `${SECRET}:username::`);
    assert.equal(secretValueFrom({ id: SECRET }), SECRET);
  });
});

describe("AppService policy documents", () => {
  it("trusts only ECS tasks of this account and region", () => {
    assert.deepEqual(ecsTasksTrustPolicy(ctx).Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "111122223333" },
          ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:111122223333:*" },
        },
      },
    ]);
  });

  it("lets the execution role read exactly the referenced secrets, once each", () => {
    const other = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:loom-prod/app/LLM_API_KEY-XyZ123";
    const doc = executionSecretsPolicy(ctx, [SECRET, other, SECRET]);
    assert.deepEqual(doc.Statement, [
      {
        Sid: "ReadReferencedSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [other, SECRET].sort(),
      },
      {
        Sid: "DecryptSecretsViaSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "arn:aws:kms:eu-west-1:111122223333:key/*",
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
    ]);
    assert.throws(() => executionSecretsPolicy(ctx, []), /at least one secret ARN/);
  });

  it("lets the task send X-Ray segments and write EMF only into the metrics log group", () => {
    const group = "arn:aws:logs:eu-west-1:111122223333:log-group:/loom/prod/metrics";
    assert.deepEqual(taskRolePolicy(ctx, "/loom/prod/metrics").Statement, [
      { Sid: "SendTraceSegments", Effect: "Allow", Action: "xray:PutTraceSegments", Resource: "*" },
      {
        Sid: "WriteEmfMetricLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: [group, `${group}:log-stream:*`],
      },
    ]);
  });

  it("lets ELB write access logs under alb/AWSLogs/<account>/ and denies plain HTTP", () => {
    const doc = accessLogBucketPolicy(ctx, "loom-prod-alb-logs", "arn:aws:iam::444455556666:root");
    const logs = "arn:aws:s3:::loom-prod-alb-logs/alb/AWSLogs/111122223333/*";
    assert.deepEqual(doc.Statement, [
      {
        Sid: "ElbAccountWritesLogs",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::444455556666:root" },
        Action: "s3:PutObject",
        Resource: logs,
      },
      {
        Sid: "ElbServiceWritesLogs",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: logs,
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::loom-prod-alb-logs", "arn:aws:s3:::loom-prod-alb-logs/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });
});

describe("WAF rules", () => {
  it("needs no allow-list when the edge is open", () => {
    assert.equal(allowList(["0.0.0.0/0"]), undefined);
    assert.equal(allowList(["203.0.113.0/24", "0.0.0.0/0"]), undefined);
    assert.equal(allowList(["::/0"]), undefined);
  });

  it("splits a narrower list into IPv4 and IPv6 sets", () => {
    assert.deepEqual(allowList(["203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32"]), {
      ipv4: ["203.0.113.0/24", "198.51.100.7/32"],
      ipv6: ["2001:db8::/32"],
    });
    assert.throws(() => allowList([]), { propertyPath: "ingressCidrs" });
  });

  it("orders rate limit, common rule set and known bad inputs, all visible", () => {
    const rules = wafRules({ metricPrefix: "loom-prod", rateLimitPer5Min: 2000, allowedIpSetArns: [] });
    assert.deepEqual(
      rules.map((r) => [r.name, r.priority]),
      [
        ["rate-limit-per-ip", 10],
        ["AWSManagedRulesCommonRuleSet", 20],
        ["AWSManagedRulesKnownBadInputsRuleSet", 30],
      ],
    );
    assert.deepEqual(rules[0], {
      name: "rate-limit-per-ip",
      priority: 10,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: "loom-prod-rate-limit-per-ip",
        sampledRequestsEnabled: true,
      },
    });
    assert.deepEqual(rules[1], {
      name: "AWSManagedRulesCommonRuleSet",
      priority: 20,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: "loom-prod-AWSManagedRulesCommonRuleSet",
        sampledRequestsEnabled: true,
      },
    });
  });

  it("blocks everything outside the allow-list first", () => {
    const one = wafRules({ metricPrefix: "p", rateLimitPer5Min: 100, allowedIpSetArns: ["arn:v4"] });
    assert.deepEqual(one[0], {
      name: "block-outside-allow-list",
      priority: 0,
      action: { block: {} },
      statement: { notStatement: { statement: { ipSetReferenceStatement: { arn: "arn:v4" } } } },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: "p-block-outside-allow-list",
        sampledRequestsEnabled: true,
      },
    });
    const two = wafRules({ metricPrefix: "p", rateLimitPer5Min: 100, allowedIpSetArns: ["arn:v4", "arn:v6"] });
    assert.deepEqual(two[0]?.statement, {
      notStatement: {
        statement: {
          orStatement: {
            statements: [
              { ipSetReferenceStatement: { arn: "arn:v4" } },
              { ipSetReferenceStatement: { arn: "arn:v6" } },
            ],
          },
        },
      },
    });
  });

  it("rejects a rate WAF cannot enforce", () => {
    assert.throws(() => checkRateLimit(5), {
      propertyPath: "rateLimitPer5Min",
      message: "must be an integer from 10 to 2000000000, got 5",
    });
    assert.throws(() => wafRules({ metricPrefix: "p", rateLimitPer5Min: 10.5, allowedIpSetArns: [] }), {
      propertyPath: "rateLimitPer5Min",
    });
  });
});
