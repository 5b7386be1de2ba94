import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService } from "../../components/app-service";
import { ROLES_RESERVATION, rolesSplit } from "../../components/app-service/aws-database";
import { databaseConnectPolicy } from "../../components/app-service/policies";
import { Database } from "../../components/database";
import {
  AWS_ROLE_LOGINS,
  connectArns,
  dbUserArn,
  proxyConnectPolicy,
  proxyResourceId,
} from "../../components/database/aws-logins";
import { type DatabaseLogin, loginEnv, type RoleLogin, rolesSql } from "../../components/lib/db-roles";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { context, databaseEnvOf, ofType, one, runComponents } from "../harness/program";
import { fakeAwsNetwork, staticAwsPlatform, withPlatform } from "./aws-fixtures";

const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const MASTER = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-loom-db-AbCdEf";
const CACHE = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:loom-cache-auth";
const ON_PROXY = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0";
const ON_INSTANCE = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY0";
const host = (env: string) => `loom-${env}-db.abcdefghijkl.eu-west-1.rds.amazonaws.com`;
const PROXY_HOST = "loom-db-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com";

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
type Def = Record<string, any> & {
  name: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
};
const defs = (run: ProgramRun, tier: string): Def[] =>
  JSON.parse(String(one(run, TASK, `loom-${tier}`).inputs.containerDefinitions));
const envOf = (d: Def) => Object.fromEntries(d.environment.map((e) => [e.name, e.value]));
const policyOf = (r: PlannedResource) => JSON.parse(String(r.inputs.policy));

type Env = "dev" | "staging" | "prod";

/** Database and AppService of `env` wired as index.ts wires them (database.access into AppService). */
function build(env: Env): Promise<ProgramRun> {
  return runComponents(() => {
    const p = PROFILES[env];
    const { platform } = withPlatform({ platform: staticAwsPlatform(), context: context(env), protect: false });
    const base = { platform, context: context(env), protect: p.deletionProtection, network: fakeAwsNetwork() };
    const db = new Database("loom", { ...base, ...p.database, backupRetentionDays: p.backupRetentionDays });
    new AppService("loom", {
      ...base,
      image: "ghcr.io/example/loom:1.4.2",
      domain: "loom.example.com",
      web: p.web,
      worker: p.worker,
      autoscaling: p.autoscaling,
      env: {
        LOOM_ENVIRONMENT: env,
        PORT: "8080",
        ...databaseEnvOf(db),
        REDIS_TLS: "true",
      },
      secrets: { REDIS_PASSWORD: { id: pulumi.output(CACHE) } },
      database: db.access,
      appSecretNames: [],
      waf: p.waf,
      traceSampleRatio: p.traceSampleRatio,
    });
    return {};
  });
}

describe("AWS database logins (aws-logins.ts, aws-database.ts)", () => {
  const runs = {} as Record<Env, ProgramRun>;
  before(async () => {
    for (const env of ["dev", "staging", "prod"] as const) runs[env] = await build(env);
  });

  describe("pure pieces", () => {
    const scope = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };
    it("builds dbuser ARNs on an instance's or a proxy's resource id, nothing else", () => {
      assert.equal(
        dbUserArn({ ...scope, resourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXY0" }, "loom_app"),
        `${ON_INSTANCE}/loom_app`,
      );
      assert.equal(
        dbUserArn({ ...scope, partition: "aws-us-gov", resourceId: "prx-0123456789abcdef0" }, "loom_migrate"),
        "arn:aws-us-gov:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0/loom_migrate",
      );
      assert.throws(() => dbUserArn({ ...scope, resourceId: "loom-prod-db" }, "loom_app"), /neither a DB instance/);
      assert.equal(
        proxyResourceId("arn:aws:rds:eu-west-1:111122223333:db-proxy:prx-0123456789abcdef0"),
        "prx-0123456789abcdef0",
      );
      assert.throws(
        () => proxyResourceId("arn:aws:rds:eu-west-1:111122223333:db:loom-prod-db"),
        /not an RDS Proxy ARN/,
      );
      assert.deepEqual(connectArns({ ...scope, resourceId: "prx-0123456789abcdef0" }), {
        web: `${ON_PROXY}/loom_app`,
        worker: `${ON_PROXY}/loom_app`,
        migrate: `${ON_PROXY}/loom_migrate`,
        backup: `${ON_PROXY}/loom_backup`,
      });
    });

    it("grants a task role rds-db:connect on one login's ARNs only, and refuses anything else", () => {
      assert.deepEqual(databaseConnectPolicy([`${ON_PROXY}/loom_app`, `${ON_PROXY}/loom_app`]), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ConnectAsOwnDatabaseLogin",
            Effect: "Allow",
            Action: "rds-db:connect",
            Resource: [`${ON_PROXY}/loom_app`],
          },
        ],
      });
      assert.throws(() => databaseConnectPolicy([]), /at least one dbuser ARN/);
      assert.throws(() => databaseConnectPolicy([`${ON_PROXY}/*`]), /is not one login's dbuser ARN/);
      assert.throws(() => databaseConnectPolicy(["*"]), /is not one login's dbuser ARN/);
      const proxy = proxyConnectPolicy({ ...scope, resourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXY0" }) as {
        Statement: { Resource: string[] }[];
      };
      assert.deepEqual(proxy.Statement[0]?.Resource, [
        `${ON_INSTANCE}/loom_app`,
        `${ON_INSTANCE}/loom_backup`,
        `${ON_INSTANCE}/loom_migrate`,
      ]);
    });

    it("sets DATABASE_HOST only for a login with its own host", () => {
      const ref = { id: MASTER, key: "username" };
      const admin: DatabaseLogin = { auth: "password", username: ref, password: ref, host: "db.internal" };
      assert.deepEqual(loginEnv(admin).env, { DATABASE_AUTH: "password", DATABASE_HOST: "db.internal" });
      assert.deepEqual(loginEnv({ auth: "aws-rds-iam", username: "loom_app" }).env, {
        DATABASE_AUTH: "aws-rds-iam",
        DATABASE_USER: "loom_app",
      });
    });

    it("splits the migrate task's app share: db-roles reserves 64 units / 64 MiB, both keep the hard limit", () => {
      assert.deepEqual(ROLES_RESERVATION, { cpu: 64, memory: 64 });
      assert.deepEqual(rolesSplit({ cpu: 192, memory: 320 }), {
        migrate: { cpu: 128, memory: 320, memoryReservation: 256 },
        roles: { cpu: 64, memory: 320, memoryReservation: 64 },
      });
    });
  });

  describe("wired as index.ts does", () => {
    it("web and worker log in as loom_app, migrate as loom_migrate: IAM env, AWS_REGION, no database secret", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        for (const [tier, user] of [
          ["web", "loom_app"],
          ["worker", "loom_app"],
          ["migrate", "loom_migrate"],
        ]) {
          const app = defs(runs[env], tier).find((d) => d.name === tier) as Def;
          const e = envOf(app);
          assert.equal(e.DATABASE_AUTH, "aws-rds-iam", `${env} ${tier}`);
          assert.equal(e.DATABASE_USER, user, `${env} ${tier}`);
          assert.equal(e.AWS_REGION, "eu-west-1", `${env} ${tier}`);
          assert.equal(e.DATABASE_HOST, env === "dev" ? host("dev") : PROXY_HOST, `${env} ${tier}`);
          assert.deepEqual(
            app.secrets.map((x) => x.name),
            tier === "migrate" ? [] : ["REDIS_PASSWORD"],
            `${env} ${tier}: no DATABASE_* secret`,
          );
        }
      }
    });

    it("lets each task role connect as its own login only: web cannot sign for loom_migrate", () => {
      const connect = (run: ProgramRun, owner: string) => {
        const policy = one(run, ROLE_POLICY, `loom-${owner}-task-db-connect`);
        return [policy.inputs.role, policyOf(policy).Statement];
      };
      const statement = (arn: string) => [
        { Sid: "ConnectAsOwnDatabaseLogin", Effect: "Allow", Action: "rds-db:connect", Resource: [arn] },
      ];
      assert.deepEqual(connect(runs.staging, "app"), ["loom-staging-ecs-task", statement(`${ON_PROXY}/loom_app`)]);
      assert.deepEqual(connect(runs.staging, "migrate"), [
        "loom-staging-ecs-migrate-task",
        statement(`${ON_PROXY}/loom_migrate`),
      ]);
      // prod reads from its replica too: web and worker may connect to it as loom_app, migrate may not.
      const ON_REPLICA = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ZYXWVUTSRQPONMLKJIHGFEDCB1";
      assert.deepEqual(connect(runs.prod, "app"), [
        "loom-prod-ecs-task",
        [{ ...statement("")[0], Resource: [`${ON_REPLICA}/loom_app`, `${ON_PROXY}/loom_app`] }],
      ]);
      assert.deepEqual(connect(runs.prod, "migrate"), [
        "loom-prod-ecs-migrate-task",
        statement(`${ON_PROXY}/loom_migrate`),
      ]);
      // dev has no proxy: the instance's ARNs.
      assert.deepEqual(connect(runs.dev, "app"), ["loom-dev-ecs-task", statement(`${ON_INSTANCE}/loom_app`)]);
      assert.deepEqual(connect(runs.dev, "migrate"), [
        "loom-dev-ecs-migrate-task",
        statement(`${ON_INSTANCE}/loom_migrate`),
      ]);
      // Each task definition runs with its own pair of roles.
      const roleOf = (tier: string) => one(runs.staging, TASK, `loom-${tier}`).inputs.taskRoleArn;
      assert.equal(roleOf("web"), "arn:aws:iam:eu-west-1:111122223333:role/loom-app-task");
      assert.equal(roleOf("worker"), "arn:aws:iam:eu-west-1:111122223333:role/loom-app-task");
      assert.equal(roleOf("migrate"), "arn:aws:iam:eu-west-1:111122223333:role/loom-migrate-task");
    });

    it("runs db-roles first in the migrate task: the app image, the admin login, the exact roles SQL", () => {
      for (const env of ["dev", "staging"] as const) {
        const [roles, migrate, collector] = defs(runs[env], "migrate") as [Def, Def, Def];
        assert.deepEqual([roles.name, migrate.name, collector.name], ["db-roles", "migrate", "otel-collector"], env);
        assert.equal(roles.essential, false);
        assert.equal(roles.image, "ghcr.io/example/loom:1.4.2");
        assert.deepEqual(roles.command, ["loom", "db-roles"]);
        assert.deepEqual(envOf(roles), {
          DATABASE_AUTH: "password",
          // The instance itself, also where a proxy fronts it (IAM_AUTH: no password login through the proxy).
          DATABASE_HOST: host(env),
          DATABASE_NAME: "loom",
          DATABASE_PORT: "5432",
          DATABASE_SSLMODE: "verify-full",
          LOOM_DB_ROLES_SQL: rolesSql({ database: "loom", logins: AWS_ROLE_LOGINS as RoleLogin[] }),
        });
        assert.deepEqual(roles.secrets, [
          { name: "DATABASE_PASSWORD", valueFrom: `${MASTER}:password::` },
          { name: "DATABASE_USER", valueFrom: `${MASTER}:username::` },
        ]);
        assert.deepEqual(migrate.dependsOn, [
          { containerName: "db-roles", condition: "SUCCESS" },
          { containerName: "otel-collector", condition: "START" },
        ]);
        assert.equal(roles.dependsOn, undefined);
        // migrate's hardening, and the same hard memory limit.
        for (const key of [
          "user",
          "readonlyRootFilesystem",
          "privileged",
          "linuxParameters",
          "mountPoints",
          "stopTimeout",
        ]) {
          assert.deepEqual(roles[key], migrate[key], `${env}: db-roles ${key}`);
        }
        assert.equal(roles.memory, migrate.memory);
        assert.equal(roles.logConfiguration.options["awslogs-stream-prefix"], "db-roles");
      }
      const sql = envOf(defs(runs.dev, "migrate")[0] as Def).LOOM_DB_ROLES_SQL as string;
      assert.match(sql, /CREATE ROLE "loom_migrate" LOGIN;/);
      assert.match(sql, /GRANT loom_owner TO "loom_migrate";/);
      assert.match(sql, /GRANT loom_app_rw TO "loom_app";/);
      assert.match(sql, /GRANT loom_readonly TO "loom_backup";/);
      assert.match(sql, /GRANT rds_iam TO "loom_backup";/);
    });

    it("keeps every container's CPU and reserved memory within the Fargate task (dev: the smallest size)", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        const task = one(runs[env], TASK, "loom-migrate").inputs;
        const all = defs(runs[env], "migrate");
        const cpu = all.reduce((n, d) => n + d.cpu, 0);
        const reserved = all.reduce((n, d) => n + (d.memoryReservation ?? d.memory), 0);
        assert.equal(cpu, Number(task.cpu), env);
        assert.equal(reserved, Number(task.memory), env);
        for (const d of all) assert.ok(d.memory <= Number(task.memory), `${env}: ${d.name}'s hard limit`);
      }
      const [roles, migrate] = defs(runs.dev, "migrate") as [Def, Def];
      // dev: 256 units / 512 MiB; the collector takes 64 / 192.
      assert.deepEqual(
        [roles.cpu, roles.memory, roles.memoryReservation, migrate.cpu, migrate.memory, migrate.memoryReservation],
        [64, 320, 64, 128, 320, 256],
      );
    });

    it("refuses AWS_REGION from the stack: the program sets the region tokens are signed for", async () => {
      await assert.rejects(
        runComponents(() => {
          const { platform } = withPlatform({ platform: staticAwsPlatform(), context: context("dev"), protect: false });
          const base = { platform, context: context("dev"), network: fakeAwsNetwork() };
          const db = new Database("loom", { ...base, ...PROFILES.dev.database });
          new AppService("loom", {
            ...base,
            image: "ghcr.io/example/loom:1.4.2",
            domain: "loom.example.com",
            web: PROFILES.dev.web,
            worker: PROFILES.dev.worker,
            env: { AWS_REGION: "us-east-1" },
            database: db.access,
          });
          return {};
        }),
        { propertyPath: "env.AWS_REGION", reason: /set by the program with a database on AWS/ },
      );
    });

    it("gives the master secret to no workload but db-roles, and only migrate's execution role reads it", () => {
      for (const env of ["dev", "staging", "prod"] as const) {
        for (const tier of ["web", "worker", "migrate"]) {
          for (const d of defs(runs[env], tier)) {
            if (d.name === "db-roles") continue;
            assert.ok(!JSON.stringify(d).includes(MASTER), `${env}: ${tier}/${d.name} references the master secret`);
          }
        }
        const read = (owner: string) =>
          policyOf(one(runs[env], ROLE_POLICY, `loom-${owner}-execution-secrets`)).Statement[0].Resource;
        assert.deepEqual(read("app"), [CACHE], env);
        assert.deepEqual(read("migrate"), [MASTER], env);
        for (const policy of ofType(runs[env], ROLE_POLICY)) {
          if (policy.name === "loom-migrate-execution-secrets") continue;
          assert.ok(!String(policy.inputs.policy).includes(MASTER), `${env}: ${policy.name} reaches the master`);
        }
      }
    });
  });
});
