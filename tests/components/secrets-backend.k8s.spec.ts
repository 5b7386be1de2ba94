/**
 * `loom:secrets.backend` on Kubernetes (components/secrets-backend.ts, app-service/k8s-secrets.ts,
 * cache/k8s-auth-store.ts, lib/k8s-secrets-eso.ts, lib/k8s-secrets-vault.ts): the whole program planned through the
 * same path as `npm run plan` (the committed stack files, `loom:secrets` overridden), the CRs exactly as the mocked
 * engine records them, native unchanged, the pods' Secret references per mode, the policy pack, and the settings'
 * messages.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { rolesSql } from "../../components/lib/db-roles";
import {
  loomVaultDbRole,
  VAULT_ENGINE_LOGIN,
  VAULT_REVOCATION_STATEMENTS,
  VAULT_USERNAME_TEMPLATE,
  vaultCreationStatements,
  vaultEngineLoginSql,
} from "../../components/lib/vault-db-role";
import { parseSettings, SettingsError } from "../../components/settings";
import type { PlannedResource } from "../../scripts/lib/mock-engine";
import { mandatory, type PlanResult, planStack, ROOT } from "../../scripts/lib/plan";
import { CREATION_STATEMENTS, REVOCATION_STATEMENTS } from "../../scripts/secrets/pg-roles";
import { IMAGE, k8sSettings } from "./k8s-fixtures";

type Env = "dev" | "prod";
const ENVS: readonly Env[] = ["dev", "prod"];
const ESO = { backend: "external-secrets", store: { kind: "ClusterSecretStore", name: "aws-secrets-manager" } };
const VAULT = { backend: "vault", vault: { address: "https://vault.example.com", role: "loom-app" } };

const plans = new Map<string, Promise<PlanResult>>();
function plan(env: Env, secrets?: unknown): Promise<PlanResult> {
  const key = `${env}:${JSON.stringify(secrets)}`;
  let p = plans.get(key);
  if (!p) {
    const configOverrides: Record<string, string> =
      secrets === undefined ? {} : { "loom:secrets": JSON.stringify(secrets) };
    p = planStack({ stack: env, cloud: "kubernetes", configOverrides });
    plans.set(key, p);
  }
  return p;
}

/** A resource's inputs with every secret value (the generated passwords, new on each run) replaced by `<secret>`. */
function masked(x: PlannedResource): unknown {
  const copy = structuredClone(x.inputs) as Record<string, unknown>;
  for (const p of x.secretPaths) {
    const parts = p.split(".");
    let at: Record<string, unknown> = copy;
    for (const k of parts.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[parts[parts.length - 1] as string] = "<secret>";
  }
  return copy;
}

const ids = (r: PlanResult) => r.resources.map((x) => `${x.type}::${x.name}`);
function byName(r: PlanResult, type: string, name: string): PlannedResource {
  const found = r.resources.filter((x) => x.type === type && x.name === name);
  assert.equal(found.length, 1, `${type} ${name}: ${found.length} in the plan`);
  return found[0] as PlannedResource;
}

/** The labels every resource of `component` carries, as settings.ts and tags.ts make them. */
function labels(env: Env, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "loom",
    component,
    "cost-center": `loom-${env}`,
    ...(env === "prod" ? { "data-classification": "confidential" } : {}),
    environment: env,
    "managed-by": "pulumi",
    project: "loom",
    stack: env,
  };
}

/** `container:ENV=secret/key` for every secretKeyRef of the Deployments and the migrate Job. */
function secretRefs(r: PlanResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const x of r.resources) {
    if (x.type !== "kubernetes:apps/v1:Deployment" && x.type !== "kubernetes:batch/v1:Job") continue;
    if (!["loom-web", "loom-worker", "loom-migrate"].includes(x.name)) continue;
    const pod = (x.inputs as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    type C = { name: string; env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] };
    const containers = [...((pod.initContainers as C[]) ?? []), ...(pod.containers as C[])];
    out[x.name] = containers.flatMap((c) =>
      (c.env ?? []).flatMap((e) =>
        e.valueFrom?.secretKeyRef
          ? [`${c.name}:${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]
          : [],
      ),
    );
  }
  return out;
}

const NATIVE_REFS = (login: string) => ({
  "loom-migrate": [
    "db-roles:DATABASE_USER=loom-db-login-admin-r0/username",
    "db-roles:DATABASE_PASSWORD=loom-db-login-admin-r0/password",
    "migrate:DATABASE_USER=loom-db-login-migrate-r0/username",
    "migrate:DATABASE_PASSWORD=loom-db-login-migrate-r0/password",
  ],
  ...Object.fromEntries(
    (["web", "worker"] as const).map((tier) => [
      `loom-${tier}`,
      [
        `${tier}:REDIS_PASSWORD=loom-cache-auth/password`,
        `${tier}:DATABASE_USER=${login}/username`,
        `${tier}:DATABASE_PASSWORD=${login}/password`,
        `${tier}:LLM_API_KEY=loom-app-secrets/LLM_API_KEY`,
      ],
    ]),
  ),
});

describe("loom:secrets.backend on kubernetes: native", () => {
  for (const env of ENVS) {
    it(`${env}: unset, {} and {"backend": "native"} plan the very same resources and inputs`, async () => {
      const unset = await plan(env);
      for (const same of [{}, { backend: "native" }]) {
        const other = await plan(env, same);
        assert.deepEqual(ids(other), ids(unset));
        assert.deepEqual(
          other.resources.map((x) => [x.name, masked(x), x.protect]),
          unset.resources.map((x) => [x.name, masked(x), x.protect]),
        );
      }
      assert.equal(unset.resources.filter((x) => /external-secrets|hashicorp/.test(x.type)).length, 0);
    });

    it(`${env}: the program makes the app-secrets and cache Secrets itself`, async () => {
      const r = await plan(env);
      assert.deepEqual(
        (byName(r, "kubernetes:core/v1:Secret", "loom-app-secrets").inputs as { metadata: unknown }).metadata,
        {
          name: "loom-app-secrets",
          namespace: `loom-${env}`,
          labels: labels(env, "app-service"),
          annotations: { "loom/expected-keys": "LLM_API_KEY" },
        },
      );
      const cache = byName(r, "kubernetes:core/v1:Secret", "loom-cache-auth").inputs as { stringData: object };
      assert.deepEqual(Object.keys(cache.stringData).sort(), ["auth.conf", "password"]);
      assert.deepEqual(secretRefs(r), NATIVE_REFS("loom-db-login-app-a-r0"));
    });
  }
});

describe("loom:secrets.backend on kubernetes: external-secrets", () => {
  const ES = "kubernetes:external-secrets.io/v1:ExternalSecret";
  for (const env of ENVS) {
    it(`${env}: exactly the two Secrets become ExternalSecrets, nothing else changes`, async () => {
      const native = ids(await plan(env));
      const eso = ids(await plan(env, ESO));
      assert.deepEqual(
        native.filter((x) => !eso.includes(x)),
        ["kubernetes:core/v1:Secret::loom-cache-auth", "kubernetes:core/v1:Secret::loom-app-secrets"],
      );
      assert.deepEqual(
        eso.filter((x) => !native.includes(x)),
        [`${ES}::loom-cache-auth`, `${ES}::loom-app-secrets`],
      );
    });

    it(`${env}: the app secrets' ExternalSecret, exactly`, async () => {
      const r = byName(await plan(env, ESO), ES, "loom-app-secrets");
      assert.equal(r.protect, env === "prod");
      assert.deepEqual(r.inputs, {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "loom-app-secrets", namespace: `loom-${env}`, labels: labels(env, "app-service") },
        spec: {
          refreshInterval: "1h",
          secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
          target: {
            name: "loom-app-secrets",
            creationPolicy: "Owner",
            deletionPolicy: "Retain",
            template: { engineVersion: "v2", type: "Opaque", metadata: { labels: labels(env, "app-service") } },
          },
          data: [{ secretKey: "LLM_API_KEY", remoteRef: { key: `loom/${env}/app`, property: "LLM_API_KEY" } }],
        },
      });
    });

    it(`${env}: the cache password's ExternalSecret renders password and auth.conf, and no password is generated`, async () => {
      const p = await plan(env, ESO);
      const r = byName(p, ES, "loom-cache-auth");
      assert.equal(r.protect, env === "prod");
      assert.deepEqual(r.inputs, {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "loom-cache-auth", namespace: `loom-${env}`, labels: labels(env, "cache") },
        spec: {
          refreshInterval: "1h",
          secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
          target: {
            name: "loom-cache-auth",
            creationPolicy: "Owner",
            deletionPolicy: "Retain",
            template: {
              engineVersion: "v2",
              type: "Opaque",
              metadata: { labels: labels(env, "cache") },
              data: { password: "{{ .password }}", "auth.conf": "requirepass {{ .password }}\n" },
            },
          },
          data: [{ secretKey: "password", remoteRef: { key: `loom/${env}/cache`, property: "password" } }],
        },
      });
    });

    it(`${env}: the pods read the same Secret names and keys as with native`, async () => {
      assert.deepEqual(secretRefs(await plan(env, ESO)), NATIVE_REFS("loom-db-login-app-a-r0"));
    });
  }

  it("a SecretStore, another prefix and refresh interval reach the CR", async () => {
    const cfg = {
      ...ESO,
      store: { kind: "SecretStore", name: "vault-kv" },
      remoteKeyPrefix: "teams/loom/",
      refreshInterval: "15m",
    };
    const spec = (byName(await plan("dev", cfg), ES, "loom-cache-auth").inputs as { spec: Record<string, unknown> })
      .spec;
    assert.deepEqual(spec.secretStoreRef, { kind: "SecretStore", name: "vault-kv" });
    assert.equal(spec.refreshInterval, "15m");
    assert.deepEqual(spec.data, [
      { secretKey: "password", remoteRef: { key: "teams/loom/cache", property: "password" } },
    ]);
  });
});

describe("loom:secrets.backend on kubernetes: vault", () => {
  const VSO = "kubernetes:secrets.hashicorp.com/v1beta1";
  const restart = [
    { kind: "Deployment", name: "loom-web" },
    { kind: "Deployment", name: "loom-worker" },
  ];
  for (const env of ENVS) {
    it(`${env}: the two Secrets become VaultStaticSecrets; + connection, auth, its ServiceAccount, the dynamic login`, async () => {
      const native = ids(await plan(env));
      const vault = ids(await plan(env, VAULT));
      assert.deepEqual(
        native.filter((x) => !vault.includes(x)),
        ["kubernetes:core/v1:Secret::loom-cache-auth", "kubernetes:core/v1:Secret::loom-app-secrets"],
      );
      assert.deepEqual(
        vault.filter((x) => !native.includes(x)),
        [
          `${VSO}:VaultStaticSecret::loom-cache-auth`,
          "kubernetes:core/v1:ServiceAccount::loom-vault-auth",
          `${VSO}:VaultConnection::loom-vault-connection`,
          `${VSO}:VaultAuth::loom-vault-auth`,
          `${VSO}:VaultDynamicSecret::loom-db-app-vault`,
          `${VSO}:VaultStaticSecret::loom-app-secrets`,
        ],
      );
    });

    it(`${env}: VaultConnection, VaultAuth and its ServiceAccount, exactly`, async () => {
      const p = await plan(env, VAULT);
      const meta = (name: string) => ({ name, namespace: `loom-${env}`, labels: labels(env, "app-service") });
      assert.deepEqual(byName(p, `${VSO}:VaultConnection`, "loom-vault-connection").inputs, {
        apiVersion: "secrets.hashicorp.com/v1beta1",
        kind: "VaultConnection",
        metadata: meta("loom-vault"),
        spec: { address: "https://vault.example.com", skipTLSVerify: false },
      });
      assert.deepEqual(byName(p, `${VSO}:VaultAuth`, "loom-vault-auth").inputs, {
        apiVersion: "secrets.hashicorp.com/v1beta1",
        kind: "VaultAuth",
        metadata: meta("loom-vault"),
        spec: {
          vaultConnectionRef: "loom-vault",
          method: "kubernetes",
          mount: "kubernetes",
          kubernetes: {
            role: "loom-app",
            serviceAccount: "loom-vault-auth",
            audiences: ["vault"],
            tokenExpirationSeconds: 600,
          },
        },
      });
      assert.deepEqual(byName(p, "kubernetes:core/v1:ServiceAccount", "loom-vault-auth").inputs, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: meta("loom-vault-auth"),
        automountServiceAccountToken: false,
      });
    });

    it(`${env}: the dynamic app login: database engine creds, renewal, restart of web and worker`, async () => {
      const r = byName(await plan(env, VAULT), `${VSO}:VaultDynamicSecret`, "loom-db-app-vault");
      assert.deepEqual(r.inputs, {
        apiVersion: "secrets.hashicorp.com/v1beta1",
        kind: "VaultDynamicSecret",
        metadata: { name: "loom-db-app-vault", namespace: `loom-${env}`, labels: labels(env, "app-service") },
        spec: {
          vaultAuthRef: "loom-vault",
          mount: "database",
          path: `creds/loom-${env}-app`,
          renewalPercent: 67,
          revoke: false,
          destination: {
            name: "loom-db-app-vault",
            create: true,
            labels: labels(env, "app-service"),
            type: "Opaque",
            transformation: { excludeRaw: true },
          },
          rolloutRestartTargets: restart,
        },
      });
    });

    it(`${env}: the static secrets from kv-v2, exactly (only the expected fields, no _raw)`, async () => {
      const p = await plan(env, VAULT);
      const app = byName(p, `${VSO}:VaultStaticSecret`, "loom-app-secrets");
      const cache = byName(p, `${VSO}:VaultStaticSecret`, "loom-cache-auth");
      assert.deepEqual([app.protect, cache.protect], [env === "prod", env === "prod"]);
      const spec = (component: string, name: string, remote: string, transformation: object, extra: object) => ({
        apiVersion: "secrets.hashicorp.com/v1beta1",
        kind: "VaultStaticSecret",
        metadata: { name, namespace: `loom-${env}`, labels: labels(env, component) },
        spec: {
          vaultAuthRef: "loom-vault",
          type: "kv-v2",
          mount: "secret",
          path: `loom/${env}/${remote}`,
          refreshAfter: "1h",
          hmacSecretData: true,
          destination: { name, create: true, labels: labels(env, component), type: "Opaque", transformation },
          ...extra,
        },
      });
      assert.deepEqual(
        app.inputs,
        spec(
          "app-service",
          "loom-app-secrets",
          "app",
          { excludeRaw: true, includes: ["^LLM_API_KEY$"] },
          { rolloutRestartTargets: restart },
        ),
      );
      assert.deepEqual(
        cache.inputs,
        spec(
          "cache",
          "loom-cache-auth",
          "cache",
          {
            excludeRaw: true,
            includes: ["^password$"],
            templates: { "auth.conf": { text: 'requirepass {{ get .Secrets "password" }}\n' } },
          },
          {},
        ),
      );
    });

    it(`${env}: web and worker log in with Vault's login; every other reference is native's`, async () => {
      assert.deepEqual(secretRefs(await plan(env, VAULT)), NATIVE_REFS("loom-db-app-vault"));
    });
  }

  it("the migrate Job's roles step keeps Vault's loom_vault* members (tests/secrets/db-roles.k8s.spec.ts: else it fails)", async () => {
    const sqlOf = (p: PlanResult) => {
      const job = p.resources.find((x) => x.type === "kubernetes:batch/v1:Job" && x.name === "loom-migrate");
      assert.ok(job, "the plan has the migrate Job");
      type E = { name: string; value?: string };
      const init = (job.inputs as { spec: { template: { spec: { initContainers: { env: E[] }[] } } } }).spec.template
        .spec.initContainers[0];
      return init?.env.find((e) => e.name === "LOOM_DB_ROLES_SQL")?.value ?? "";
    };
    const keep = "AND left(m.rolname, 10) <> 'loom_vault'";
    assert.ok(sqlOf(await plan("prod", VAULT)).includes(keep));
    for (const other of [undefined, ESO]) {
      const sql = sqlOf(await plan("prod", other));
      assert.ok(sql.includes("REVOKE %I FROM %I") && !sql.includes("left(m.rolname"));
    }
    assert.throws(
      () => rolesSql({ database: "loom", logins: [], keepPrefix: "x'--" }),
      /^Error: rolesSql: keepPrefix "x'--" is not 4-31 of \[a-z0-9_\]$/,
    );
  });

  it("the optional keys reach the CRs (mounts, database role, CA Secret)", async () => {
    const cfg = {
      backend: "vault",
      vault: {
        address: "https://openbao.internal:8200",
        role: "loom",
        authMount: "k8s-prod",
        kvMount: "kv",
        databaseMount: "pg",
        databaseRole: "loom-web",
        caCertSecret: "vault-ca",
      },
    };
    const p = await plan("dev", cfg);
    const spec = (type: string, name: string) =>
      (byName(p, `${VSO}:${type}`, name).inputs as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec("VaultConnection", "loom-vault-connection"), {
      address: "https://openbao.internal:8200",
      skipTLSVerify: false,
      caCertSecretRef: "vault-ca",
    });
    assert.equal(spec("VaultAuth", "loom-vault-auth").mount, "k8s-prod");
    assert.deepEqual(
      [spec("VaultDynamicSecret", "loom-db-app-vault").mount, spec("VaultDynamicSecret", "loom-db-app-vault").path],
      ["pg", "creds/loom-web"],
    );
    assert.equal(spec("VaultStaticSecret", "loom-app-secrets").mount, "kv");
  });
});

describe("loom:secrets.backend: the loom-guard policy pack", () => {
  for (const env of ["dev", "staging", "prod"] as const) {
    for (const [label, cfg] of [
      ["external-secrets", ESO],
      ["vault", VAULT],
    ] as const) {
      it(`${env} with ${label}: zero mandatory violations`, async () => {
        const r = await planStack({
          stack: env,
          cloud: "kubernetes",
          configOverrides: { "loom:secrets": JSON.stringify(cfg) },
        });
        assert.ok(r.resources.length > 0);
        assert.deepEqual(mandatory(r), []);
      });
    }
  }
});

describe("loom:secrets settings", () => {
  const problems = (secrets: unknown, extra: Record<string, unknown> = {}): string[] => {
    try {
      k8sSettings("dev", {}, { secrets, ...extra });
    } catch (e) {
      if (e instanceof SettingsError) return e.problems;
      throw e;
    }
    return [];
  };
  const cases: [string, unknown, string[]][] = [
    [
      "an unknown backend",
      { backend: "sops" },
      ['loom:secrets.backend: "sops" is not one of native, external-secrets, vault'],
    ],
    [
      "external-secrets without a store",
      { backend: "external-secrets" },
      [
        'loom:secrets.store is required when loom:secrets.backend is "external-secrets": {"kind": "ClusterSecretStore" or "SecretStore", "name": <the store the operator reads>}',
      ],
    ],
    [
      "external-secrets with half a store",
      { backend: "external-secrets", store: { name: "aws" } },
      [
        'loom:secrets.store is required when loom:secrets.backend is "external-secrets": {"kind": "ClusterSecretStore" or "SecretStore", "name": <the store the operator reads>}, got {"name":"aws"}',
      ],
    ],
    [
      "a store kind that is not one",
      { ...ESO, store: { kind: "Vault", name: "x" } },
      ['loom:secrets.store.kind: "Vault" is not one of ClusterSecretStore, SecretStore'],
    ],
    [
      "vault without address and role",
      { backend: "vault" },
      [
        'loom:secrets.vault.address is required when loom:secrets.backend is "vault"',
        'loom:secrets.vault.role is required when loom:secrets.backend is "vault"',
      ],
    ],
    [
      "a store with vault",
      { ...VAULT, store: ESO.store },
      ['loom:secrets.store only applies to loom:secrets.backend "external-secrets" (it is "vault"); remove it'],
    ],
    [
      "vault keys with native",
      { vault: VAULT.vault },
      ['loom:secrets.vault only applies to loom:secrets.backend "vault" (it is "native"); remove it'],
    ],
    [
      "a prefix with native",
      { remoteKeyPrefix: "loom/dev/" },
      [
        'loom:secrets.remoteKeyPrefix only applies to loom:secrets.backend "external-secrets" or "vault" (it is "native"); remove it',
      ],
    ],
  ];
  for (const [what, secrets, expected] of cases) {
    it(`refuses ${what}`, () => {
      const got = problems(secrets);
      for (const e of expected)
        assert.ok(
          got.some((p) => p.startsWith(e)),
          `${JSON.stringify(got)} lacks ${e}`,
        );
      assert.equal(got.length, expected.length, JSON.stringify(got));
    });
  }

  it("refuses a plain-http Vault address, a bad interval and prefix, naming key and value", () => {
    const got = problems({
      backend: "vault",
      refreshInterval: "1d",
      remoteKeyPrefix: "/abs",
      vault: { address: "http://vault:8200", role: "r" },
    });
    assert.equal(got.length, 3, JSON.stringify(got));
    assert.match(got.join("\n"), /loom:secrets\.vault\.address: .*http:\/\/vault:8200.*must be an https:\/\/ URL/);
    assert.match(got.join("\n"), /loom:secrets\.refreshInterval: .*1d.*must be a duration in s, m or h/);
    assert.match(got.join("\n"), /loom:secrets\.remoteKeyPrefix: .*\/abs.*must be a relative key prefix ending in \//);
  });

  it("native: the target carries no secrets backend (so nothing downstream changes)", () => {
    for (const secrets of [undefined, {}, { backend: "native" }]) {
      assert.equal("secrets" in k8sSettings("dev", {}, { secrets }).target, false);
    }
  });

  it("resolves every default", () => {
    assert.deepEqual((k8sSettings("prod", {}, { secrets: ESO }).target as { secrets?: unknown }).secrets, {
      backend: "external-secrets",
      remoteKeyPrefix: "loom/prod/",
      refreshInterval: "1h",
      store: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
    });
    assert.deepEqual((k8sSettings("prod", {}, { secrets: VAULT }).target as { secrets?: unknown }).secrets, {
      backend: "vault",
      remoteKeyPrefix: "loom/prod/",
      refreshInterval: "1h",
      vault: {
        address: "https://vault.example.com",
        role: "loom-app",
        authMount: "kubernetes",
        kvMount: "secret",
        databaseMount: "database",
        databaseRole: "loom-prod-app",
      },
    });
  });

  it("on another cloud: not read, one warning naming the key", () => {
    const s = parseSettings(
      {
        cloud: "digitalocean",
        domain: "dev.loom.example.com",
        image: IMAGE,
        alerting: { channels: [{ kind: "email", to: "oncall@example.com" }] },
        backup: { image: "ghcr.io/example/loom-backup:0.1.0" },
        digitalocean: { region: "ams3", sshKeys: ["12345"], dnsDomain: "loom.example.com" },
        secrets: VAULT,
      },
      { stack: "dev" },
    );
    assert.equal("secrets" in s.target, false);
    assert.deepEqual(
      s.warnings.filter((w) => w.includes("loom:secrets")),
      [
        'loom:secrets is set but loom:cloud is "digitalocean": it is not read on this stack (it applies only with loom:cloud: kubernetes, where the secrets operators run)',
      ],
    );
  });
});

describe("the Vault database role: one home for the docs and the drill", () => {
  it("the drill runs the same statements, with its own group and a connection limit", () => {
    assert.deepEqual(CREATION_STATEMENTS, [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' CONNECTION LIMIT 10 IN ROLE app_rw;`,
    ]);
    assert.deepEqual(CREATION_STATEMENTS, vaultCreationStatements("app_rw", 10));
    assert.deepEqual(REVOCATION_STATEMENTS, [...VAULT_REVOCATION_STATEMENTS]);
  });

  it("loom's role: members of loom_app_rw, 1 h leases renewable to 24 h", () => {
    assert.deepEqual(loomVaultDbRole("loom-prod"), {
      db_name: "loom-prod",
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE loom_app_rw;`,
      ],
      revocation_statements: [
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';`,
        `DROP ROLE IF EXISTS "{{name}}";`,
      ],
      default_ttl: "1h",
      max_ttl: "24h",
    });
  });

  it("docs/secrets-backends.md shows exactly this role, the engine's login and its username template", () => {
    // Indentation aside (the blocks sit in a numbered list), the docs hold the builders' text verbatim.
    const flat = (text: string) =>
      text
        .split("\n")
        .map((l) => l.trim())
        .join("\n");
    const doc = flat(fs.readFileSync(path.join(ROOT, "docs/secrets-backends.md"), "utf8"));
    assert.ok(doc.includes(flat(JSON.stringify(loomVaultDbRole("loom-prod"), null, 2))), "docs lack the role's JSON");
    assert.ok(doc.includes(vaultEngineLoginSql("loom")), "docs lack the engine login SQL");
    assert.ok(doc.includes(`username=${VAULT_ENGINE_LOGIN} `));
    assert.ok(doc.includes(`username_template='${VAULT_USERNAME_TEMPLATE}'`));
    assert.equal(VAULT_USERNAME_TEMPLATE.startsWith(VAULT_ENGINE_LOGIN), true);
  });
});
