import * as assert from "node:assert/strict";
import type { Environment } from "../../components/profiles";
import { block, template } from "../../scripts/chart/emit";
import { objectsOf } from "../../scripts/chart/model";
import type { Manifest, Renders } from "../../scripts/chart/render";
import { resolve } from "../../scripts/chart/resolve";
import { type Setting, substitute } from "../../scripts/chart/values";

const settings: Setting[] = [
  {
    key: "namespace",
    doc: "ns",
    values: { dev: "loom-dev", staging: "loom-staging", prod: "loom-prod" },
    whole: false,
  },
  { key: "environment", doc: "env", values: { dev: "dev", staging: "staging", prod: "prod" }, whole: true },
];

/**
 * Per profile: a Deployment with the given replicas and collector replicas, and an HPA unless `hpa` is false; the
 * Deployment's `fixed` field (as `replicas` in the program) exists only without the HPA and equals `replicas` then.
 */
function render(env: Environment, o: { replicas: number; collector: number; hpa: boolean }): Manifest[] {
  const ns = `loom-${env}`;
  const out: Manifest[] = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns, labels: { environment: env } },
      spec: {
        replicas: o.replicas,
        collectorReplicas: o.collector,
        url: `https://x.${ns}.svc`,
        ...(o.hpa ? {} : { fixed: o.replicas }),
      },
    },
  ];
  if (o.hpa)
    out.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: ns },
    });
  return out;
}

// web.minReplicas is 1/2/3 and cache.nodes 1/1/2 in PROFILES; autoscaling is off/on/on.
const renders: Renders = {
  dev: render("dev", { replicas: 1, collector: 1, hpa: false }),
  staging: render("staging", { replicas: 2, collector: 1, hpa: true }),
  prod: render("prod", { replicas: 3, collector: 2, hpa: true }),
};

/** The program's answer to a perturbed prod: replicas follow web.minReplicas, the HPA autoscaling; nothing else. */
async function perturbedProd(overrides: Record<string, unknown>): Promise<Manifest[] | undefined> {
  const replicas = (overrides["web.minReplicas"] as number | undefined) ?? 3;
  return render("prod", { replicas, collector: 2, hpa: overrides.autoscaling !== false });
}

describe("chart generator: from three renders to templates", () => {
  it("settings become placeholders: substrings for values, words for the environment", () => {
    assert.deepEqual(substitute({ a: "loom-prod-x", b: "name=prod,x", c: "loom-dev/prod2" }, "prod", settings), {
      a: "@@namespace@@-x",
      b: "name=@@environment@@,x",
      c: "loom-dev/prod2",
    });
  });

  it("a differing leaf takes the key a perturbed render confirms, not one that only has the same values", async () => {
    const objects = objectsOf(renders, settings);
    const { derived, used } = await resolve(objects, settings, perturbedProd);
    const dep = template(objects[0]);
    assert.match(dep, /^ {2}replicas: \{\{ \$\.Values\.web\.minReplicas \| toJson \}\}$/m);
    // collectorReplicas is 1/1/2 like cache.nodes, but does not follow it: a generated, documented key.
    assert.match(
      dep,
      /collectorReplicas: \{\{ include "loom\.subst" \(list \$ \(index \$\.Values\.derived "Deployment\/web:spec\.collectorReplicas"\)\) \}\}/,
    );
    const d = derived.get("Deployment/web:spec.collectorReplicas");
    assert.deepEqual(d?.values, { dev: 1, staging: 1, prod: 2 });
    assert.match(d?.doc ?? "", /no profile key reproduces it/);
    assert.match(dep, /url: \{\{ include "loom\.subst" \(list \$ "https:\/\/x\.@@namespace@@\.svc"\) \}\}/);
    assert.match(dep, /environment: \{\{ \$\.Values\.environment \| toJson \}\}/);
    assert.deepEqual([...used].sort(), ["autoscaling", "web.minReplicas"]);
  });

  it("an object present in some profiles is wrapped in the boolean the perturbed render confirms", async () => {
    const objects = objectsOf(renders, settings);
    await resolve(objects, settings, perturbedProd);
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler");
    assert.deepEqual(hpa?.presentIn, ["staging", "prod"]);
    assert.deepEqual(hpa?.condition, { keys: ["autoscaling"] });
    assert.match(template(hpa as never), /^\{\{- if \$\.Values\.autoscaling \}\}$/m);
  });

  it("a field present in one profile gets its condition (here a negated key) and is confirmed under it", async () => {
    const objects = objectsOf(renders, settings);
    await resolve(objects, settings, perturbedProd);
    // `fixed` exists only in dev (no HPA): its value 1 matches many keys in dev alone; prod with autoscaling=false
    // and one candidate perturbed at a time tells which one it follows.
    assert.match(
      template(objects[0]),
      /^\{\{- if \(not \$\.Values\.autoscaling\) \}\}\n {2}fixed: \{\{ \$\.Values\.web\.minReplicas \| toJson \}\}\n\{\{- end \}\}$/m,
    );
  });

  it("with no confirming key the presence is a generated key, never a guess", async () => {
    const objects = objectsOf(renders, settings);
    const { derived } = await resolve(objects, settings, async () => undefined);
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler");
    assert.deepEqual(hpa?.condition, { derived: "HorizontalPodAutoscaler/web:present" });
    assert.deepEqual(derived.get("HorizontalPodAutoscaler/web:present")?.values, {
      dev: false,
      staging: true,
      prod: true,
    });
  });

  it("YAML-1.1 words and odd keys are quoted; template braces in literals stay literal", () => {
    const lines = block({ t: "lit", v: { on: 1, "a b": "{{ $value }}", ok: [] } }, 0);
    assert.deepEqual(lines, ['"on": 1', '"a b": {{ "{{ $value }}" | toJson }}', "ok: []"]);
  });
});
