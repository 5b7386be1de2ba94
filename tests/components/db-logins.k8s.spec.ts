/**
 * The CloudNativePG logins (components/database/cnpg-logins.ts, kubernetes.ts): the Cluster's managed roles, each
 * login's password Secret, the alternating app login and the rotation epochs, and the workloads that use them (the
 * migrate Job's roles step, each tier's login), as the mocked engine records them.
 */
import * as assert from "node:assert/strict";
import { AppService } from "../../components/app-service";
import { Database, type DatabaseArgs } from "../../components/database";
import type { KubernetesDatabaseAccess } from "../../components/database/cnpg-logins";
import { type RoleLogin, rolesSql } from "../../components/lib/db-roles";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { databaseEnvOf, ofType, one, runComponents } from "../harness/program";
import { at, base, IMAGE, k8sNetwork } from "./k8s-fixtures";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SECRET = "kubernetes:core/v1:Secret";

function args(env: Environment, kubernetes: Record<string, unknown> = {}): DatabaseArgs {
  const p = PROFILES[env];
  return {
    ...base(env, kubernetes),
    network: k8sNetwork(`loom-${env}`),
    ...p.database,
    backupRetentionDays: p.backupRetentionDays,
  };
}

async function build(a: DatabaseArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const db = new Database("loom", a);
    const access = db.access as KubernetesDatabaseAccess;
    return { logins: access.logins, roles: access.roles, primaryHost: access.primaryHost };
  });
}

const group = (name: string) => ({
  name,
  ensure: "present",
  comment: "loom group (docs/security/database-roles.md)",
  login: false,
  inherit: true,
});
const login = (name: string, key: string, inRoles: string[], secret: string, admin = false) => ({
  name,
  ensure: "present",
  comment: `loom ${key} login`,
  login: true,
  inherit: true,
  superuser: admin,
  createrole: admin,
  createdb: admin,
  inRoles,
  passwordSecret: { name: secret },
});
const loginSecrets = (run: ProgramRun) => ofType(run, SECRET).filter((s) => s.name.startsWith("loom-db-login-"));
const refs = (id: string) => ({
  auth: "password",
  username: { id, key: "username" },
  password: { id, key: "password" },
});

describe("database logins on kubernetes (CloudNativePG managed roles)", () => {
  it("declares the three groups, then every login with its own Secret and its group; the admin a superuser", async () => {
    const run = await build(args("prod"));
    assert.deepEqual(at(one(run, CLUSTER).inputs, "spec", "managed", "roles"), [
      group("loom_owner"),
      group("loom_app_rw"),
      group("loom_readonly"),
      login("loom_app_a", "appA", ["loom_app_rw"], "loom-db-login-app-a-r0"),
      login("loom_app_b", "appB", ["loom_app_rw"], "loom-db-login-app-b-r0"),
      login("loom_migrate", "migrate", ["loom_owner"], "loom-db-login-migrate-r0"),
      login("loom_backup", "backup", ["loom_readonly"], "loom-db-login-backup-r0"),
      login("loom_admin", "admin", ["loom_owner", "loom_app_rw", "loom_readonly"], "loom-db-login-admin-r0", true),
    ]);
  });

  it("puts each password in a basic-auth Secret the operator reloads, username = the role, a Pulumi secret", async () => {
    const run = await build(args("prod"));
    const secrets = loginSecrets(run);
    assert.deepEqual(
      secrets.map((s) => [
        s.name,
        s.inputs.type,
        at(s.inputs, "metadata", "name"),
        at(s.inputs, "metadata", "labels", "cnpg.io/reload"),
        at(s.inputs, "stringData", "username"),
      ]),
      [
        ["loom-db-login-app-a-r0", "kubernetes.io/basic-auth", "loom-db-login-app-a-r0", "true", "loom_app_a"],
        ["loom-db-login-app-b-r0", "kubernetes.io/basic-auth", "loom-db-login-app-b-r0", "true", "loom_app_b"],
        ["loom-db-login-migrate-r0", "kubernetes.io/basic-auth", "loom-db-login-migrate-r0", "true", "loom_migrate"],
        ["loom-db-login-backup-r0", "kubernetes.io/basic-auth", "loom-db-login-backup-r0", "true", "loom_backup"],
        ["loom-db-login-admin-r0", "kubernetes.io/basic-auth", "loom-db-login-admin-r0", "true", "loom_admin"],
      ],
    );
    const passwords = secrets.map((s) => String(at(s.inputs, "stringData", "password")));
    for (const p of passwords) assert.match(p, /^[A-Za-z0-9]{48}$/);
    assert.equal(new Set(passwords).size, 5, "every login its own password");
    for (const s of secrets) {
      assert.deepEqual(s.secretPaths, ["stringData"], "the password is a Pulumi secret (encrypted in state)");
      assert.equal(s.protect, false, "a rotation deletes the old Secret, even in prod");
    }
  });

  it("hands web and worker the active app login (a by default, b when set), each other use its own", async () => {
    const a = (await build(args("prod"))).outputs;
    assert.deepEqual(a.logins, {
      web: refs("loom-db-login-app-a-r0"),
      worker: refs("loom-db-login-app-a-r0"),
      migrate: refs("loom-db-login-migrate-r0"),
      backup: refs("loom-db-login-backup-r0"),
      admin: refs("loom-db-login-admin-r0"),
    });
    const b = (await build(args("prod", { database: { activeAppLogin: "b" } }))).outputs;
    assert.deepEqual(
      [at(b, "logins", "web"), at(b, "logins", "worker")],
      [refs("loom-db-login-app-b-r0"), refs("loom-db-login-app-b-r0")],
    );
    assert.deepEqual(at(b, "logins", "migrate"), at(a, "logins", "migrate"));
  });

  it("grants both app logins loom_app_rw in the roles SQL, so a switch needs no SQL; the admin is not in it", async () => {
    for (const activeAppLogin of ["a", "b"]) {
      const run = await build(args("prod", { database: { activeAppLogin } }));
      assert.deepEqual(run.outputs.roles, {
        database: "loom",
        logins: [
          { name: "loom_migrate", group: "owner", create: "platform" },
          { name: "loom_app_a", group: "app", create: "platform" },
          { name: "loom_app_b", group: "app", create: "platform" },
          { name: "loom_backup", group: "readonly", create: "platform" },
        ],
      });
      assert.equal(run.outputs.primaryHost, "loom-db-rw.loom-prod.svc", "the roles step bypasses the pooler");
    }
  });

  it("rotates one login by its epoch: a new Secret name for it alone, the Cluster pointing at it", async () => {
    const run = await build(args("prod", { database: { rotation: { appB: 4 } } }));
    assert.deepEqual(
      loginSecrets(run).map((s) => s.name),
      ["app-a-r0", "app-b-r4", "migrate-r0", "backup-r0", "admin-r0"].map((s) => `loom-db-login-${s}`),
    );
    const roles = at(one(run, CLUSTER).inputs, "spec", "managed", "roles") as {
      name: string;
      passwordSecret?: unknown;
    }[];
    assert.deepEqual(roles.find((r) => r.name === "loom_app_b")?.passwordSecret, { name: "loom-db-login-app-b-r4" });
    assert.deepEqual(at(run.outputs, "logins", "web"), refs("loom-db-login-app-a-r0"), "the active login is untouched");
  });
});

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const PROD_LOGINS: RoleLogin[] = [
  { name: "loom_migrate", group: "owner", create: "platform" },
  { name: "loom_app_a", group: "app", create: "platform" },
  { name: "loom_app_b", group: "app", create: "platform" },
  { name: "loom_backup", group: "readonly", create: "platform" },
];

/** Database and AppService wired as index.ts wires them (the database's hosts, its access; the cache's password). */
async function buildApp(env: Environment, kubernetes: Record<string, unknown> = {}): Promise<ProgramRun> {
  const p = PROFILES[env];
  return runComponents(() => {
    const db = new Database("loom", args(env, kubernetes));
    new AppService("loom", {
      ...base(env, kubernetes),
      network: k8sNetwork(`loom-${env}`),
      image: IMAGE,
      domain: `${env}.loom.example.com`,
      web: p.web,
      worker: p.worker,
      autoscaling: p.autoscaling,
      env: {
        ...databaseEnvOf(db),
      },
      secrets: { REDIS_PASSWORD: { id: "loom-cache-auth", key: "password" } },
      database: db.access,
      appSecretNames: ["LLM_API_KEY"],
    });
    return {};
  });
}

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
const secretRefs = (env: EnvVar[]) =>
  env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.secretKeyRef.name, e.valueFrom?.secretKeyRef.key]);
const plain = (env: EnvVar[]) => Object.fromEntries(env.filter((e) => !e.valueFrom).map((e) => [e.name, e.value]));
const podOf = (run: ProgramRun, type: string, name?: string) =>
  at(one(run, type, name).inputs, "spec", "template", "spec");
const loginRefs = (id: string) => [
  ["DATABASE_USER", id, "username"],
  ["DATABASE_PASSWORD", id, "password"],
];

describe("database logins on kubernetes: the workloads (AppService)", () => {
  it("runs the roles step first in the migrate Job: the app image, loom db-roles, the admin login and the exact SQL", async () => {
    const run = await buildApp("prod");
    const pod = podOf(run, JOB);
    const [init, ...more] = pod.initContainers;
    assert.equal(more.length, 0);
    const migrate = pod.containers[0];
    assert.deepEqual(
      [init.name, init.image, init.command, init.envFrom],
      ["db-roles", IMAGE, ["loom", "db-roles"], migrate.envFrom],
    );
    assert.deepEqual(secretRefs(init.env), loginRefs("loom-db-login-admin-r0"), "the admin login and nothing else");
    assert.deepEqual(plain(init.env), {
      DATABASE_HOST: "loom-db-rw.loom-prod.svc",
      DATABASE_AUTH: "password",
      LOOM_DB_ROLES_SQL: rolesSql({ database: "loom", logins: PROD_LOGINS }),
    });
    assert.deepEqual(
      [init.securityContext, init.resources, init.volumeMounts],
      [migrate.securityContext, migrate.resources, migrate.volumeMounts],
    );
  });

  it("gives migrate its own login, web and worker the active app login, and nobody else the admin's", async () => {
    for (const [active, id] of [
      [undefined, "loom-db-login-app-a-r0"],
      ["b", "loom-db-login-app-b-r0"],
    ] as const) {
      const run = await buildApp("prod", active ? { database: { activeAppLogin: active } } : {});
      const migrate = podOf(run, JOB).containers[0];
      assert.deepEqual(secretRefs(migrate.env), loginRefs("loom-db-login-migrate-r0"));
      assert.equal(plain(migrate.env).DATABASE_AUTH, "password");
      for (const tier of ["web", "worker"]) {
        const pod = podOf(run, DEPLOYMENT, `loom-${tier}`);
        assert.equal(pod.initContainers, undefined);
        const env = pod.containers[0].env;
        assert.deepEqual(secretRefs(env), [
          ["REDIS_PASSWORD", "loom-cache-auth", "password"],
          ...loginRefs(id),
          ["LLM_API_KEY", "loom-app-secrets", "LLM_API_KEY"],
        ]);
        assert.equal(plain(env).DATABASE_AUTH, "password");
      }
      const holders = run.resources.filter((r) => JSON.stringify(r.inputs).includes('"loom-db-login-admin-r0"'));
      assert.deepEqual(
        holders.map((r) => `${r.type}::${r.name}`),
        [
          "kubernetes:core/v1:Secret::loom-db-login-admin-r0",
          "kubernetes:postgresql.cnpg.io/v1:Cluster::loom-db",
          "kubernetes:batch/v1:Job::loom-migrate",
        ],
        "the admin's Secret is read by the operator and the roles step only",
      );
    }
  });

  it("has no roles step without the Database's access (DATABASE_* from secrets, as before)", async () => {
    const p = PROFILES.dev;
    const run = await runComponents(() => {
      new AppService("loom", {
        ...base("dev"),
        network: k8sNetwork("loom-dev"),
        image: IMAGE,
        domain: "dev.loom.example.com",
        web: p.web,
        worker: p.worker,
        secrets: { DATABASE_PASSWORD: { id: "loom-db-app", key: "password" } },
      });
      return {};
    });
    assert.equal(podOf(run, JOB).initContainers, undefined);
  });
});
