/**
 * The CloudNativePG logins (components/database/cnpg-logins.ts, kubernetes.ts): the Cluster's managed roles, each
 * login's password Secret, the alternating app login and the rotation epochs, as the mocked engine records them.
 */
import * as assert from "node:assert/strict";
import { Database, type DatabaseArgs } from "../../components/database";
import type { KubernetesDatabaseAccess } from "../../components/database/cnpg-logins";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, k8sNetwork } from "./k8s-fixtures";

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
