import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppService } from "../../components/app-service";
import { Database } from "../../components/database";
import {
  backupAccountId,
  iamUserName,
  iamUserNames,
  iamUserOfEmail,
  instanceCondition,
} from "../../components/database/gcp-logins";
import { rolesSql } from "../../components/lib/db-roles";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { appArgsOfProfile, context, databaseEnvOf, one, runComponents } from "../harness/program";
import { fakeGcpNetwork, GCP_PROJECT, GCP_REGION, gcpTarget, staticGcpPlatform, withGcpPlatform } from "./gcp-fixtures";

const CONFIG = { "gcp:project": GCP_PROJECT, "gcp:region": GCP_REGION };
const IMAGE = "europe-west1-docker.pkg.dev/loom-example-prod/loom/loom:1.4.2";
const USER = "gcp:sql/user:User";
const JOB = "gcp:cloudrunv2/job:Job";
const IAM = "gcp:projects/iAMMember:IAMMember";
const SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember";
const ADMIN_USER = `projects/${GCP_PROJECT}/secrets/loom-prod-db-admin-username`;
const ADMIN_PASSWORD = `projects/${GCP_PROJECT}/secrets/loom-prod-db-admin-password`;
const sa = (w: string) => `loom-prod-${w}@${GCP_PROJECT}.iam.gserviceaccount.com`;
const login = (w: string) => `loom-prod-${w}@${GCP_PROJECT}.iam`;

// biome-ignore lint/suspicious/noExplicitAny: engine inputs are untyped data; tests assert their exact values
const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;
type Env = { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } };
const envOf = (job: PlannedResource): Record<string, unknown> =>
  Object.fromEntries(
    (inputs(job).template.template.containers[0].envs as Env[]).map((e) => [e.name, e.value ?? e.valueSource]),
  );

/** The warnings `run` logs through pulumi.log.warn. */
async function warningsOf<T>(run: () => Promise<T>): Promise<string[]> {
  const warnings: string[] = [];
  const log = pulumi.log as { warn: (msg: string) => Promise<void> };
  const original = log.warn;
  log.warn = async (msg: string) => {
    warnings.push(msg);
  };
  try {
    await run();
  } finally {
    log.warn = original;
  }
  return warnings;
}

/** Database and AppService of prod wired as index.ts wires them (database.access into AppService). */
async function build(): Promise<ProgramRun> {
  return runComponents(() => {
    const p = PROFILES.prod;
    const platform = withGcpPlatform({
      platform: staticGcpPlatform(gcpTarget()),
      context: context("prod"),
      protect: true,
    });
    const network = fakeGcpNetwork();
    const base = { ...platform, network };
    const db = new Database("loom", { ...base, ...p.database });
    const app = new AppService("loom", {
      ...base,
      image: IMAGE,
      domain: "loom.example.com",
      ...appArgsOfProfile(p),
      env: {
        PORT: "8080",
        ...databaseEnvOf(db),
        REDIS_HOST: "10.0.0.9",
      },
      secrets: { REDIS_PASSWORD: { id: `projects/${GCP_PROJECT}/secrets/loom-cache-auth` } },
      database: db.access,
      appSecretNames: [],
    });
    return { access: db.access, migrateCommand: app.migrateCommand };
  }, CONFIG);
}

describe("GCP database logins (gcp-logins.ts)", () => {
  it("names each service account's Cloud SQL IAM user as Cloud SQL does: the email without .gserviceaccount.com", () => {
    assert.equal(iamUserName("loom-prod-web", "p1"), "loom-prod-web@p1.iam");
    assert.equal(iamUserOfEmail("loom-prod-web@p1.iam.gserviceaccount.com"), "loom-prod-web@p1.iam");
    assert.throws(() => iamUserOfEmail("someone@example.com"), /not a service account email/);
    assert.equal(backupAccountId("loom-prod"), "loom-prod-backup");
    assert.deepEqual(iamUserNames("loom-prod", "p1"), {
      web: "loom-prod-web@p1.iam",
      worker: "loom-prod-worker@p1.iam",
      migrate: "loom-prod-migrate@p1.iam",
      backup: "loom-prod-backup@p1.iam",
    });
  });

  it("narrows the login permission to one instance with Google's condition expression", () => {
    assert.deepEqual(instanceCondition("p1", "loom-prod-db"), {
      title: "login-loom-prod-db",
      description: "Cloud SQL IAM login to loom-prod-db only",
      expression:
        "resource.name == 'projects/p1/instances/loom-prod-db' && resource.type == 'sqladmin.googleapis.com/Instance'",
    });
  });
});

describe("GCP database logins, Database and AppService together (prod)", () => {
  let run: ProgramRun;
  let warnings: string[];
  before(async () => {
    warnings = await warningsOf(async () => {
      run = await build();
    });
  });

  it("hands out IAM logins for web, worker, migrate and backup, the password login only as admin", () => {
    const access = run.outputs.access as Record<string, unknown>;
    assert.deepEqual(access.logins, {
      web: { auth: "gcp-cloudsql-iam", username: login("web") },
      worker: { auth: "gcp-cloudsql-iam", username: login("worker") },
      migrate: { auth: "gcp-cloudsql-iam", username: login("migrate") },
      backup: { auth: "gcp-cloudsql-iam", username: login("backup") },
      admin: { auth: "password", username: { id: ADMIN_USER }, password: { id: ADMIN_PASSWORD } },
    });
    assert.deepEqual(access.roles, {
      database: "loom",
      logins: [
        { name: login("web"), group: "app", create: "platform" },
        { name: login("worker"), group: "app", create: "platform" },
        { name: login("migrate"), group: "owner", create: "platform" },
        { name: login("backup"), group: "readonly", create: "platform" },
      ],
    });
    assert.deepEqual(access.cloudSql, { project: GCP_PROJECT, instance: "loom-prod-db" });
  });

  it("creates each workload's CLOUD_IAM_SERVICE_ACCOUNT user under the name the Database gave it", () => {
    for (const w of ["web", "worker", "migrate"]) {
      assert.deepEqual(inputs(one(run, USER, `loom-${w}-db-login`)), {
        project: GCP_PROJECT,
        instance: "loom-prod-db",
        name: login(w),
        type: "CLOUD_IAM_SERVICE_ACCOUNT",
        deletionPolicy: "ABANDON",
      });
      assert.deepEqual(inputs(one(run, IAM, `loom-${w}-cloudsql-instanceuser`)), {
        project: GCP_PROJECT,
        role: "roles/cloudsql.instanceUser",
        member: `serviceAccount:${sa(w)}`,
        condition: instanceCondition(GCP_PROJECT, "loom-prod-db"),
      });
    }
    assert.equal(inputs(one(run, USER, "loom-db-app")).name, "loom_admin");
  });

  it("gives every workload DATABASE_AUTH gcp-cloudsql-iam and its own DATABASE_USER, no database secret", () => {
    const containerEnv = (r: PlannedResource, job: boolean): Record<string, unknown> => {
      const t = job ? inputs(r).template.template : inputs(r).template;
      return Object.fromEntries((t.containers[0].envs as Env[]).map((e) => [e.name, e.value ?? e.valueSource]));
    };
    const envs = {
      web: containerEnv(one(run, "gcp:cloudrunv2/service:Service", "loom-web"), false),
      worker: containerEnv(one(run, "gcp:cloudrunv2/service:Service", "loom-worker"), false),
      migrate: containerEnv(one(run, JOB, "loom-migrate"), true),
    };
    for (const [w, env] of Object.entries(envs)) {
      assert.equal(env.DATABASE_AUTH, "gcp-cloudsql-iam", w);
      assert.equal(env.DATABASE_USER, login(w), w);
      assert.equal(env.DATABASE_PORT, "5432", w);
      assert.equal("DATABASE_PASSWORD" in env, false, w);
    }
    // No workload may read the admin login.
    const readers = run.resources
      .filter((r) => r.type === SECRET_IAM && [ADMIN_USER, ADMIN_PASSWORD].includes(inputs(r).secretId))
      .map((r) => inputs(r).member)
      .sort();
    assert.deepEqual(readers, [`serviceAccount:${sa("db-roles")}`, `serviceAccount:${sa("db-roles")}`]);
  });

  it("runs the roles step as its own job with the admin login and the roles SQL, then migrate", () => {
    const job = one(run, JOB, "loom-db-roles");
    const t = inputs(job).template.template;
    assert.equal(inputs(job).name, "loom-prod-db-roles");
    assert.equal(t.serviceAccount, sa("db-roles"));
    assert.equal(t.timeout, "600s");
    const c = t.containers[0];
    assert.deepEqual([c.name, c.image, c.commands], ["db-roles", IMAGE, ["loom", "db-roles"]]);
    const env = envOf(job);
    const access = run.outputs.access as { roles: Parameters<typeof rolesSql>[0] };
    assert.deepEqual(Object.keys(env).sort(), [
      "DATABASE_AUTH",
      "DATABASE_HOST",
      "DATABASE_NAME",
      "DATABASE_PASSWORD",
      "DATABASE_PORT",
      "DATABASE_SSLMODE",
      "DATABASE_USER",
      "LOOM_DB_ROLES_SQL",
    ]);
    assert.equal(env.DATABASE_AUTH, "password");
    assert.equal(env.DATABASE_PORT, "5432");
    assert.deepEqual(env.DATABASE_USER, { secretKeyRef: { secret: ADMIN_USER, version: "latest" } });
    assert.deepEqual(env.DATABASE_PASSWORD, { secretKeyRef: { secret: ADMIN_PASSWORD, version: "latest" } });
    assert.equal(env.LOOM_DB_ROLES_SQL, rolesSql(access.roles));
    // Its identity holds no project role at all.
    assert.deepEqual(
      run.resources.filter((r) => r.type === IAM && inputs(r).member === `serviceAccount:${sa("db-roles")}`),
      [],
    );
    const exec = (name: string) =>
      `gcloud run jobs execute ${name} --region ${GCP_REGION} --project ${GCP_PROJECT} --wait`;
    assert.equal(run.outputs.migrateCommand, `${exec("loom-prod-db-roles")} && ${exec("loom-prod-migrate")}`);
  });

  it("does not build the pooler the profile asks for, and warns so", () => {
    const pooler = warnings.filter((w) =>
      w.startsWith("connectionPooler: Managed Connection Pooling is not turned on"),
    );
    assert.equal(pooler.length, 1);
  });
});
