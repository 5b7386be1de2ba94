import * as assert from "node:assert/strict";
import { Cache, type CacheArgs } from "../../components/cache";
import { VALKEY_IMAGE } from "../../components/cache/valkey";
import { type Environment, PROFILES } from "../../components/profiles";
import type { ProgramRun } from "../../scripts/lib/mock-engine";
import { ofType, one, runComponents } from "../harness/program";
import { at, base, k8sNetwork } from "./k8s-fixtures";

const STS = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";
const CONFIG = "kubernetes:core/v1:ConfigMap";

const args = (env: Environment): CacheArgs => ({
  ...base(env),
  network: k8sNetwork(`loom-${env}`),
  ...PROFILES[env].cache,
});

async function build(a: CacheArgs): Promise<ProgramRun> {
  return runComponents(() => {
    const c = new Cache("loom", a);
    return { endpoint: c.endpoint, port: c.port, tls: c.tls, authToken: c.authToken, monitoring: c.monitoring };
  });
}

describe("cache on kubernetes (Valkey StatefulSet)", () => {
  it("runs one restricted Valkey pod with persistence that outlives the StatefulSet", async () => {
    const run = await build(args("staging"));
    const sts = one(run, STS);
    const spec = at(sts.inputs, "spec");
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    assert.deepEqual(at(spec, "volumeClaimTemplates", 0, "spec", "resources"), { requests: { storage: "2Gi" } });
    const pod = at(spec, "template", "spec");
    assert.equal(pod.securityContext.runAsUser, 999);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, "loom-cache");
    const c = pod.containers[0];
    assert.equal(c.image, VALKEY_IMAGE);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.resources.limits, { cpu: "250m", memory: "1Gi", "ephemeral-storage": "512Mi" });
    assert.deepEqual(c.resources.requests, c.resources.limits);
    assert.equal(at(spec, "template", "metadata", "labels", "loom/tier"), "cache");
  });

  it("generates a strong password into a Secret (secret in state, first value kept) and reads it from there only", async () => {
    const run = await build(args("dev"));
    const secret = one(run, SECRET);
    assert.ok(
      secret.secretPaths.some((p) => p.startsWith("stringData")),
      secret.secretPaths.join(","),
    );
    assert.deepEqual(Object.keys(at(secret.inputs, "stringData")).sort(), ["auth.conf", "password"]);
    const password = at(secret.inputs, "stringData", "password");
    assert.match(password, /^[A-Za-z0-9]{64}$/);
    assert.equal(at(secret.inputs, "stringData", "auth.conf"), `requirepass ${password}\n`);
    const other = at(one(await build(args("dev")), SECRET).inputs, "stringData", "password");
    assert.notEqual(other, password, "each stack draws its own password");
    const conf = at(one(run, CONFIG).inputs, "data", "valkey.conf");
    assert.doesNotMatch(conf, /requirepass|mock-generated-password/);
    // The readiness probe reads the password from the mounted Secret: it is never in the container's environment.
    const pod = at(one(run, STS).inputs, "spec", "template", "spec");
    assert.equal(pod.containers[0].env, undefined);
    const auth = pod.volumes.find((v: { name: string }) => v.name === "auth");
    assert.deepEqual(auth.secret.items, [
      { key: "auth.conf", path: "auth.conf" },
      { key: "password", path: "password" },
    ]);
    assert.match(
      pod.containers[0].readinessProbe.exec.command[2],
      /^REDISCLI_AUTH="\$\(cat \/etc\/valkey-auth\/password\)" /,
    );
    assert.deepEqual(run.outputs.authToken, { id: "loom-cache-auth", key: "password" });
  });

  it("serves TLS with a certificate from the namespace CA for the service name clients use", async () => {
    const run = await build(args("prod"));
    const cert = one(run, CERT);
    assert.ok(at(cert.inputs, "spec", "dnsNames").includes("loom-cache.loom-prod.svc"));
    assert.equal(at(cert.inputs, "spec", "issuerRef", "name"), "loom-internal-ca");
    assert.equal(run.outputs.endpoint, "loom-cache.loom-prod.svc");
    assert.equal(run.outputs.tls, true);
    assert.equal(run.outputs.port, 6379);
  });

  it("sizes from the tier and protects the data in prod only", async () => {
    const prod = await build(args("prod"));
    const c = at(one(prod, STS).inputs, "spec", "template", "spec", "containers", 0);
    assert.equal(c.resources.limits.memory, "3Gi");
    assert.equal(one(prod, STS).protect, true);
    assert.equal(one(prod, SECRET).protect, true);
    assert.equal(one(await build(args("dev")), STS).protect, false);
    assert.equal(ofType(prod, STS).length, 1, "one primary even when the profile asks for HA (documented limit)");
  });

  it("hands Observability a typed kubernetes monitoring handle with the StatefulSet's real name", async () => {
    const run = await build(args("prod"));
    assert.deepEqual(run.outputs.monitoring, {
      cloud: "kubernetes",
      namespace: "loom-prod",
      statefulSet: "loom-cache",
      container: "valkey",
    });
  });
});
