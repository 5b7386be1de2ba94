import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import { CHART_DIR, filesUnder, generateChartModel, staleFiles } from "../../scripts/chart/chart";
import { idOf as modelId, type Seg } from "../../scripts/chart/model";
import { type Manifest, renderProfile } from "../../scripts/chart/render";
import { namespaceHash, settingsOf, substitute } from "../../scripts/chart/values";
import { ROOT } from "../../scripts/lib/plan";

const chartDir = path.join(ROOT, CHART_DIR);
const helmBin = process.env.LOOM_HELM ?? path.join(os.homedir(), ".cache", "loom-helm", "bin", "helm");
const haveHelm = fs.existsSync(helmBin);
/** The oldest Kubernetes the program supports (docs/kubernetes.md); helm built from source assumes v1.20. */
const KUBE = ["--kube-version", "v1.30.0"];

type Obj = Manifest & { spec?: Record<string, unknown> };
const idOf = (m: Obj) => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;

function helmTemplate(env: Environment, extra: string[] = []): Obj[] {
  const out = execFileSync(
    helmBin,
    ["template", "loom", chartDir, ...KUBE, "-f", path.join(chartDir, `values-${env}.yaml`), ...extra],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return YAML.parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
}

/** Every container of a pod-bearing object (Deployment, StatefulSet, Job, CronJob, Pooler). */
function containers(m: Obj): Record<string, unknown>[] {
  const spec = m.spec ?? {};
  const tpl = (spec.jobTemplate as Obj | undefined)?.spec?.template ?? spec.template;
  const pod = (tpl as { spec?: { containers?: unknown[]; initContainers?: unknown[] } } | undefined)?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])] as Record<string, unknown>[];
}

/** Remove the field at `path` (map keys, indexes, `{name}` items) from a copy of `obj`. */
function without(obj: unknown, path: readonly Seg[]): unknown {
  if (path.length === 0 || obj === null || typeof obj !== "object") return path.length === 0 ? undefined : obj;
  const [head, ...rest] = path;
  if (Array.isArray(obj)) {
    const i = typeof head === "object" ? obj.findIndex((x) => x?.name === head.name) : Number(head);
    return obj.map((x, j) => (j === i ? without(x, rest) : x)).filter((_, j) => j !== i || rest.length > 0);
  }
  const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  const k = head as string;
  if (rest.length === 0) delete out[k];
  else if (k in out) out[k] = without(out[k], rest);
  return out;
}

/** The fields the issue names first, for a readable failure; then the whole object. */
function assertSameObject(c: Obj, p: Obj): void {
  assert.deepEqual(
    containers(c).map((x) => [x.name, x.securityContext, x.resources]),
    containers(p).map((x) => [x.name, x.securityContext, x.resources]),
    `${idOf(p)}: containers' security contexts and resources`,
  );
  assert.deepEqual(c.spec?.replicas, p.spec?.replicas, `${idOf(p)}: replicas`);
  assert.deepEqual(c, p, idOf(p));
}

/** The generator's output, computed once for both suites (about 30 s: 3 renders and the perturbed ones). */
let generated: ReturnType<typeof generateChartModel> | undefined;
let model: Awaited<ReturnType<typeof generateChartModel>>;
async function loadModel(): Promise<void> {
  generated ??= generateChartModel();
  model = await generated;
}

describe("chart: charts/loom is generated from the Kubernetes target", function () {
  this.timeout(600_000);
  before(loadModel);

  it("the committed chart is what `npm run chart` generates now (a stale chart fails)", () => {
    const want = model.files;
    assert.deepEqual(staleFiles(want, filesUnder(chartDir)), [], "charts/loom is stale: run `npm run chart`");
    // The check itself sees a change: a template edited by hand is reported by name.
    const edited = new Map(want);
    edited.set("templates/deployment-loom-web.yaml", `${want.get("templates/deployment-loom-web.yaml")}# edit\n`);
    assert.deepEqual(staleFiles(want, edited), ["templates/deployment-loom-web.yaml"]);
    edited.delete("Chart.yaml");
    assert.deepEqual(staleFiles(want, edited), ["Chart.yaml", "templates/deployment-loom-web.yaml"]);
  });

  it("npm run chart refuses an unknown argument with exit 2 and the usage", () => {
    const run = () =>
      execFileSync("node", ["scripts/dist.js", "run", "scripts/chart/generate.ts", "--write"], {
        cwd: ROOT,
        stdio: "pipe",
      });
    assert.throws(run, (e: Error & { status?: number; stderr?: Buffer }) => {
      assert.equal(e.status, 2);
      assert.match(String(e.stderr), /chart: unknown argument --write \(usage: npm run chart \[-- --check\]\)/);
      return true;
    });
  });

  it("carries no secret value: no Secret object and no stringData/data of a Secret in any template", () => {
    for (const [file, text] of filesUnder(path.join(chartDir, "templates"))) {
      assert.doesNotMatch(text, /^kind: "Secret"$/m, file);
    }
    // The cache password the program generates never reaches the chart.
    assert.doesNotMatch(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"), /requirepass/);
  });
});

describe("chart: helm template renders the same objects as the program for each profile", function () {
  this.timeout(600_000);
  before(async function () {
    if (!haveHelm) {
      console.log(`      (skipped: no helm at ${helmBin}; build it with scripts/chart/build-helm.sh, as CI does)`);
      this.skip();
    }
    await loadModel();
  });

  for (const env of ENVIRONMENTS) {
    it(`${env}: same (kind, namespace, name) set, and each object equal field for field`, async () => {
      const program = (await renderProfile(env)).filter((m) => m.kind !== "Secret") as Obj[];
      const chart = helmTemplate(env);
      assert.deepEqual(chart.map(idOf).sort(), program.map(idOf).sort());
      const byId = new Map(chart.map((m) => [idOf(m), m]));
      for (const p of program) assertSameObject(byId.get(idOf(p)) as Obj, p);
    });
  }

  it("changed values render what the program renders for the same loom:profile overrides (derived fields aside)", async () => {
    // Keys of four kinds: a presence switch (autoscaling: HPA and ScaledObject go, replicas appear), a switch of
    // entries (waf: the ModSecurity annotations), a quantity (web.cpu) and a size read by two clusters (storageGiB).
    // Generated `derived` fields keep their per-profile values by design (docs/chart.md), so they are left out
    // of the comparison, and exactly those: every other field must follow the values as the program does.
    // And another namespace: every name, DNS name, label and dashboard uid derived from it follows.
    const ns = "loom-acme";
    const set = ["autoscaling=false", "waf=false", "web.cpu=2", "database.storageGiB=200", `namespace=${ns}`];
    const chart = helmTemplate(
      "prod",
      set.flatMap((s) => ["--set", s]),
    );
    const override = { autoscaling: false, waf: false, web: { cpu: 2 }, database: { storageGiB: 200 } };
    const program = (await renderProfile("prod", override, ROOT, ns)).filter((m) => m.kind !== "Secret") as Obj[];
    assert.deepEqual(chart.map(idOf).sort(), program.map(idOf).sort());
    const byId = new Map(chart.map((m) => [idOf(m), m]));
    const derivedAt = [...model.derived.values()].flatMap((d) => (d.at ? [d.at] : []));
    // Object ids as the generator made them (placeholders in), for this namespace.
    const forNs: Record<string, string> = { namespace: ns, namespaceHash: namespaceHash(ns) };
    const settings = settingsOf().map((st) =>
      st.key in forNs ? { ...st, values: { ...st.values, prod: forNs[st.key] } } : st,
    );
    const setAside: string[] = [];
    for (const p of program) {
      const id = modelId(substitute(p, "prod", settings) as Manifest);
      let [c, q]: unknown[] = [byId.get(idOf(p)), p];
      for (const at of derivedAt.filter((a) => a.id === id)) {
        [c, q] = [without(c, at.path), without(q, at.path)];
        setAside.push(id);
      }
      assert.deepEqual(c, q, idOf(p));
    }
    // The fields set aside are the program's computed tables and embedded copies, not the keys changed here.
    assert.ok(setAside.includes("CronJob/loom-logical-backup"));
    assert.ok(!setAside.includes("HorizontalPodAutoscaler/loom-web"));
    const web = byId.get(`Deployment/${ns}/loom-web`) as Obj;
    assert.equal(web.spec?.replicas, 3);
    assert.equal((containers(web)[0].resources as { limits: { cpu: string } }).limits.cpu, "2");
    assert.equal(chart.filter((m) => m.kind === "HorizontalPodAutoscaler").length, 0);
  });

  it("values.schema.json refuses a bad value, naming the key", () => {
    assert.throws(
      () =>
        execFileSync(helmBin, ["template", "loom", chartDir, ...KUBE, "--set", "web.memoryMiB=64"], {
          stdio: "pipe",
        }),
      (e: Error & { stderr?: Buffer }) =>
        /web\/memoryMiB|web\.memoryMiB/.test(String(e.stderr)) && /128/.test(String(e.stderr)),
    );
    assert.throws(
      () =>
        execFileSync(helmBin, ["template", "loom", chartDir, ...KUBE, "--set", "environment=qa"], { stdio: "pipe" }),
      (e: Error & { stderr?: Buffer }) => /environment/.test(String(e.stderr)),
    );
  });
});
