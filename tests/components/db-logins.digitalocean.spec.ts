/**
 * DigitalOcean's least-privileged logins end to end under the mocks: the Database and the AppService wired as
 * index.ts wires them (database.access into AppService), and what each droplet ends up with — which secret files,
 * which env file names which key, the roles step's compose service and its SQL.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { AppService } from "../../components/app-service";
import { Database } from "../../components/database";
import { rolesSql } from "../../components/lib/db-roles";
import { PROFILES } from "../../components/profiles";
import type { PlannedResource, ProgramRun } from "../../scripts/lib/mock-engine";
import { appArgsOfProfile, context, databaseEnvOf, ofType, runComponents } from "../harness/program";
import { DO_CONFIG, doTarget, fakeDoNetwork, staticDoPlatform, withDoPlatform } from "./do-fixtures";

const IMAGE = "registry.digitalocean.com/loom/loom:1.4.2";
const DROPLET = "digitalocean:index/droplet:Droplet";
const POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale";
type Doc = Record<string, unknown>;
type Service = Doc & { environment?: Record<string, string>; env_file?: string[] };

/** Database and AppService of prod, wired as index.ts wires them. */
async function build(activeAppLogin: "a" | "b" = "a"): Promise<ProgramRun> {
  return runComponents(
    () => {
      const p = PROFILES.prod;
      const platform = staticDoPlatform(doTarget({ activeAppLogin }));
      const base = withDoPlatform({
        platform,
        context: context("prod"),
        protect: true,
        network: fakeDoNetwork("prod"),
      });
      const db = new Database("loom", { ...base, ...p.database, backupRetentionDays: p.backupRetentionDays });
      const app = new AppService("loom", {
        ...base,
        image: IMAGE,
        domain: "loom.example.com",
        ...appArgsOfProfile(p),
        env: {
          PORT: "8080",
          ...databaseEnvOf(db),
        },
        secrets: { REDIS_PASSWORD: { id: "redis-password" } },
        database: db.access,
        appSecretNames: ["LLM_API_KEY"],
        ...(db.serverCa ? { serverCas: db.serverCa } : {}),
      });
      return { hosts: app.hosts, migrateCommand: app.migrateCommand };
    },
    DO_CONFIG,
    "prod",
  );
}

/** The files cloud-init writes, by path (base64 decoded). */
function files(userData: string): Record<string, string> {
  const doc = parse(userData) as { write_files: { path: string; content: string; encoding?: string }[] };
  return Object.fromEntries(
    doc.write_files.map((f) => [f.path, f.encoding ? Buffer.from(f.content, "base64").toString() : f.content]),
  );
}
const userDataOf = (r: PlannedResource) =>
  String(r.type === POOL ? (r.inputs.dropletTemplate as Doc).userData : r.inputs.userData);
const groupFiles = (run: ProgramRun, group: "web" | "worker" | "jobs") => {
  const r = [...ofType(run, POOL), ...ofType(run, DROPLET)].find((x) => String(x.inputs.name).includes(`-${group}`));
  assert.ok(r, `${group}'s droplet or pool`);
  return files(userDataOf(r));
};
const services = (f: Record<string, string>) =>
  (parse(f["/opt/loom/compose.yaml"] ?? "") as { services: Record<string, Service> }).services;
/** The env file → { VAR: secret key } lines of the loom-secrets script. */
function envFileKeys(f: Record<string, string>, path: string): Record<string, string> {
  const script = f["/usr/local/sbin/loom-secrets"] ?? "";
  const block = script.slice(script.indexOf(`tmp='${path}.tmp'`), script.indexOf(`mv -f "$tmp" '${path}'`));
  return Object.fromEntries(
    [...block.matchAll(/printf "%s='%s'\\n" '([A-Z_]+)' "\$\(sed .* '\/etc\/loom\/secrets\/([a-z0-9-]+)'\)"/g)].map(
      (m) => [m[1] as string, m[2] as string],
    ),
  );
}

describe("DigitalOcean database logins (Database + AppService)", () => {
  let run: ProgramRun;
  let flipped: ProgramRun;
  before(async function () {
    this.timeout(60_000);
    run = await build();
    flipped = await build("b");
  });

  it("web and worker read the active app user's files, migrate loom's, and none of them the admin's", () => {
    const hosts = run.outputs.hosts as Record<string, { secretKeys: string[] }>;
    const app = ["database-app-a-password", "database-app-a-user"];
    assert.deepEqual(hosts.web?.secretKeys, [...app, "llm-api-key", "redis-password"].sort());
    assert.deepEqual(hosts.worker?.secretKeys, [...app, "llm-api-key", "redis-password"].sort());
    assert.deepEqual(hosts.jobs?.secretKeys, [
      "database-admin-password",
      "database-admin-user",
      "database-password",
      "database-user",
      "logs-access-key",
      "logs-secret-key",
    ]);
    assert.deepEqual(envFileKeys(groupFiles(run, "web"), "/etc/loom/env/web.env"), {
      DATABASE_USER: "database-app-a-user",
      DATABASE_PASSWORD: "database-app-a-password",
      REDIS_PASSWORD: "redis-password",
      LLM_API_KEY: "llm-api-key",
    });
    const jobs = groupFiles(run, "jobs");
    assert.deepEqual(envFileKeys(jobs, "/etc/loom/env/migrate.env"), {
      DATABASE_USER: "database-user",
      DATABASE_PASSWORD: "database-password",
    });
    assert.deepEqual(envFileKeys(jobs, "/etc/loom/env/db-roles.env"), {
      DATABASE_USER: "database-admin-user",
      DATABASE_PASSWORD: "database-admin-password",
    });
    for (const svc of [services(groupFiles(run, "web")).web, services(jobs).migrate]) {
      assert.equal(svc?.environment?.DATABASE_AUTH, "password");
    }
  });

  it("db-roles: the app image running loom db-roles on the direct port with the exact roles SQL, before migrate", () => {
    const svc = services(groupFiles(run, "jobs"))["db-roles"];
    assert.ok(svc, "the jobs droplet's compose has db-roles");
    assert.equal(svc.image, IMAGE);
    assert.deepEqual(svc.command, ["loom", "db-roles"]);
    assert.deepEqual(svc.profiles, ["migrate"]);
    assert.deepEqual(svc.env_file, ["/etc/loom/env/db-roles.env"]);
    const sql = rolesSql({
      database: "loom",
      logins: [
        { name: "loom", group: "owner", create: "platform" },
        { name: "loom_app_a", group: "app", create: "platform" },
        { name: "loom_app_b", group: "app", create: "platform" },
        { name: "loom_backup", group: "readonly", create: "platform" },
      ],
    });
    const env = svc.environment ?? {};
    // Compose reads `$$` as one literal `$` (the generator escapes every `$`: the SQL's `DO $$` blocks survive).
    assert.equal(env.LOOM_DB_ROLES_SQL?.replace(/\$\$/g, "$"), sql);
    assert.ok(sql.includes("DO $$ BEGIN") && !sql.includes("$$$$"));
    assert.equal(env.DATABASE_AUTH, "password");
    assert.equal(env.DATABASE_PORT, "25060");
    assert.equal(env.DATABASE_SSLMODE, "verify-full");
    assert.equal(env.PGSSLROOTCERT, "/etc/loom/ca/server-cas.pem");
    // Nothing but the database: no cache, no LLM key, no telemetry.
    assert.deepEqual(
      Object.keys(env).filter((k) => !k.startsWith("DATABASE_")),
      ["LOOM_DB_ROLES_SQL", "PGSSLROOTCERT"],
    );
    assert.equal(
      run.outputs.migrateCommand,
      "ansible-playbook -i ansible/inventory/prod.yml ansible/playbooks/migrate.yml",
    );
  });

  it("activeAppLogin b moves web and worker to loom_app_b; migrate, backup and the roles SQL stay", () => {
    const hosts = flipped.outputs.hosts as Record<string, { secretKeys: string[] }>;
    assert.deepEqual(hosts.web?.secretKeys, [
      "database-app-b-password",
      "database-app-b-user",
      "llm-api-key",
      "redis-password",
    ]);
    assert.deepEqual(
      envFileKeys(groupFiles(flipped, "worker"), "/etc/loom/env/worker.env").DATABASE_USER,
      "database-app-b-user",
    );
    const roles = (r: ProgramRun) => services(groupFiles(r, "jobs"))["db-roles"]?.environment?.LOOM_DB_ROLES_SQL;
    assert.equal(roles(flipped), roles(run));
    assert.deepEqual(
      envFileKeys(groupFiles(flipped, "jobs"), "/etc/loom/env/migrate.env"),
      envFileKeys(groupFiles(run, "jobs"), "/etc/loom/env/migrate.env"),
    );
  });
});
