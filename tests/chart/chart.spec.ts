import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { ENVIRONMENTS, type Environment } from "../../components/profiles";
import { CHART_DIR, filesUnder, generateChart, staleFiles } from "../../scripts/chart/chart";
import { type Manifest, renderProfile } from "../../scripts/chart/render";
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

describe("chart: charts/loom is generated from the Kubernetes target", function () {
  this.timeout(600_000);

  it("the committed chart is what `npm run chart` generates now (a stale chart fails)", async () => {
    const want = await generateChart();
    assert.deepEqual(staleFiles(want, filesUnder(chartDir)), []);
    // The check itself sees a change: a template edited by hand is reported by name.
    const edited = new Map(want);
    edited.set("templates/deployment-loom-web.yaml", `${want.get("templates/deployment-loom-web.yaml")}# edit\n`);
    assert.deepEqual(staleFiles(want, edited), ["templates/deployment-loom-web.yaml"]);
    edited.delete("Chart.yaml");
    assert.deepEqual(staleFiles(want, edited), ["Chart.yaml", "templates/deployment-loom-web.yaml"]);
  });

  it("carries no secret value: no Secret object and no stringData/data of a Secret in any template", () => {
    for (const [file, text] of filesUnder(path.join(chartDir, "templates"))) {
      assert.doesNotMatch(text, /^kind: "Secret"$/m, file);
    }
    // The cache password the program generates never reaches the chart.
    assert.doesNotMatch(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"), /requirepass/);
  });

  describe("helm template renders the same objects as the program for each profile", () => {
    before(function () {
      if (!haveHelm) {
        console.log(`      (skipped: no helm at ${helmBin}; build it with scripts/chart/build-helm.sh, as CI does)`);
        this.skip();
      }
    });

    for (const env of ENVIRONMENTS) {
      it(`${env}: same (kind, namespace, name) set, and each object equal field for field`, async () => {
        const program = (await renderProfile(env)).filter((m) => m.kind !== "Secret") as Obj[];
        const chart = helmTemplate(env);
        assert.deepEqual(chart.map(idOf).sort(), program.map(idOf).sort());
        const byId = new Map(chart.map((m) => [idOf(m), m]));
        for (const p of program) {
          const c = byId.get(idOf(p)) as Obj;
          // The fields the issue names first, for a readable failure; then the whole object.
          assert.deepEqual(
            containers(c).map((x) => [x.name, x.securityContext, x.resources]),
            containers(p).map((x) => [x.name, x.securityContext, x.resources]),
            `${idOf(p)}: containers' security contexts and resources`,
          );
          assert.deepEqual(c.spec?.replicas, p.spec?.replicas, `${idOf(p)}: replicas`);
          assert.deepEqual(c, p, idOf(p));
        }
      });
    }

    it("the templates read the values: --set web.cpu=2 and autoscaling=false change exactly what the program would", async () => {
      const chart = helmTemplate("prod", ["--set", "web.cpu=2", "--set", "autoscaling=false"]);
      const web = chart.find((m) => m.kind === "Deployment" && m.metadata.name === "loom-web") as Obj;
      assert.deepEqual((containers(web)[0].resources as { limits: unknown }).limits, {
        cpu: "2",
        "ephemeral-storage": "2Gi",
        memory: "2Gi",
      });
      assert.equal(chart.filter((m) => m.kind === "HorizontalPodAutoscaler").length, 0);
      assert.equal(chart.filter((m) => m.kind === "ScaledObject").length, 0);
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
});
