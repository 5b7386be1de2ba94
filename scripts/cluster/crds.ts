/**
 * The operator CRDs the e2e control plane installs (scripts/cluster/up.sh; docs/cluster.md, "CRDs").
 *
 *   node -r ts-node/register/transpile-only scripts/cluster/crds.ts <plan.json>
 *
 * <plan.json> is `npm run plan -- --stack cluster --json <file>`. Prints, one a line, the CRD files to apply: every
 * CRD of every API group the plan's custom resources use, taken from the operator's Go module zip at the version its
 * chart pins. Versions have one home, OPERATOR_CHARTS (components/lib/k8s-provider.ts): this file only maps each
 * pinned chart version to the module version that chart ships (its Chart.yaml `appVersion`), so bumping a chart
 * without its entry here fails, naming both. Exit 1 with every problem named: a chart version without a mapping, a
 * module the proxy does not serve, a used kind or version that no CRD of the module serves.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { OPERATOR_CHARTS } from "../../components/lib/k8s-provider";

type OperatorKey = keyof typeof OPERATOR_CHARTS;

/** Where an operator's CRDs are in its Go module, per pinned chart version. */
export interface CrdSource {
  module: string;
  dir: string;
  /** chart version (OPERATOR_CHARTS) -> { module version, where that mapping comes from }. */
  versions: Record<string, { module: string; source: string }>;
}

const CHARTS_REPO = "github.com/cloudnative-pg/charts";
/** null: the chart installs no CRD (ingress-nginx). */
export const CRD_SOURCES: Record<OperatorKey, CrdSource | null> = {
  certManager: {
    module: "github.com/cert-manager/cert-manager",
    // controller-gen's output, from which the chart's templates/crd-*.yaml are generated (same schemas).
    dir: "deploy/crds",
    versions: { "v1.20.1": { module: "v1.20.1", source: "the chart is versioned as the app" } },
  },
  cloudnativePg: {
    module: "github.com/cloudnative-pg/cloudnative-pg",
    dir: "config/crd/bases",
    versions: { "0.29.0": { module: "v1.30.0", source: `${CHARTS_REPO} charts/cloudnative-pg/Chart.yaml appVersion` } },
  },
  barmanCloud: {
    module: "github.com/cloudnative-pg/plugin-barman-cloud",
    dir: "config/crd/bases",
    versions: {
      "0.8.0": {
        module: "v0.14.0",
        source:
          `inferred: ${CHARTS_REPO} has no 0.8.0 Chart.yaml in the stored snapshot (last: 0.7.0 -> v0.13.0; since 0.4.0` +
          " each chart minor ships the next app minor) and the proxy serves no v0.8.0 module; v0.14.0 is the release after v0.13.0",
      },
    },
  },
  keda: {
    module: "github.com/kedacore/keda/v2",
    dir: "config/crd/bases",
    versions: { "2.19.0": { module: "v2.19.0", source: "the chart is versioned as the app" } },
  },
  ingressNginx: null,
  kubePrometheusStack: {
    module: "github.com/prometheus-operator/prometheus-operator",
    dir: "example/prometheus-operator-crd",
    versions: {
      "84.5.0": {
        module: "v0.90.1",
        source:
          "prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml appVersion (its crds subchart)",
      },
    },
  },
};

/** One module to download: the operator, its chart pin and the module version that chart ships. */
export interface ModulePin {
  operator: OperatorKey;
  chart: string;
  chartVersion: string;
  module: string;
  version: string;
  dir: string;
  source: string;
}

/** The module of every operator with CRDs, at the version its pinned chart ships; or every unmapped pin, named. */
export function modulePins(
  charts: Record<OperatorKey, { chart: string; version: string }> = OPERATOR_CHARTS,
  sources: Record<OperatorKey, CrdSource | null> = CRD_SOURCES,
): ModulePin[] {
  const pins: ModulePin[] = [];
  const problems: string[] = [];
  for (const operator of Object.keys(charts) as OperatorKey[]) {
    const { chart, version } = charts[operator];
    const src = sources[operator];
    if (src === null) continue;
    if (src === undefined) {
      problems.push(`OPERATOR_CHARTS.${operator} (${chart}) has no entry in CRD_SOURCES (scripts/cluster/crds.ts)`);
      continue;
    }
    const mapped = src.versions[version];
    if (mapped === undefined) {
      const known = Object.keys(src.versions).join(", ");
      problems.push(
        `OPERATOR_CHARTS.${operator} pins ${chart} ${version}, but CRD_SOURCES.${operator}.versions maps only ${known}: ` +
          `add "${version}" with the module version that chart ships (its Chart.yaml appVersion)`,
      );
      continue;
    }
    pins.push({
      operator,
      chart,
      chartVersion: version,
      module: src.module,
      version: mapped.module,
      dir: src.dir,
      source: mapped.source,
    });
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return pins;
}

/** A custom resource type the program uses: `kubernetes:<group>/<version>:<Kind>` of a non-built-in group. */
export interface UsedType {
  group: string;
  version: string;
  kind: string;
}

/** Built in: the core group, un-dotted groups (apps, batch, policy, autoscaling) and every *.k8s.io group. */
export const isBuiltinGroup = (group: string): boolean =>
  group === "core" || !group.includes(".") || group.endsWith(".k8s.io");

/** The custom types among Pulumi resource types (sorted, unique); providers and components are not Kubernetes. */
export function usedCustomTypes(types: readonly string[]): UsedType[] {
  const seen = new Map<string, UsedType>();
  for (const type of types) {
    const m = /^kubernetes:([^/:]+)\/([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m || isBuiltinGroup(m[1])) continue;
    seen.set(type, { group: m[1], version: m[2], kind: m[3] });
  }
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
}

/** A CustomResourceDefinition read from a file. */
export interface Crd {
  file: string;
  name: string;
  group: string;
  kind: string;
  /** The served versions. */
  versions: string[];
}

/** The CRDs in one YAML file (other documents ignored); a CRD without group, kind or versions is an error. */
export function parseCrds(file: string, text: string): Crd[] {
  const crds: Crd[] = [];
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as {
      kind?: string;
      metadata?: { name?: string };
      spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
    } | null;
    if (o?.kind !== "CustomResourceDefinition") continue;
    const { group, names, versions } = o.spec ?? {};
    const served = (versions ?? []).filter((v) => v.served !== false).map((v) => v.name);
    if (!o.metadata?.name || !group || !names?.kind || served.length === 0) {
      throw new Error(
        `${file}: a CustomResourceDefinition without metadata.name, spec.group, spec.names.kind or a served version`,
      );
    }
    crds.push({ file, name: o.metadata.name, group, kind: names.kind, versions: served });
  }
  return crds;
}

/**
 * Every CRD of the used groups (an operator installs its whole group, so does this), sorted by name; and a
 * problem for each used type that none of them serves (a kind the module lacks, or a version it does not serve).
 */
export function selectCrds(used: readonly UsedType[], crds: readonly Crd[]): { selected: Crd[]; problems: string[] } {
  const groups = new Set(used.map((u) => u.group));
  const selected = crds.filter((c) => groups.has(c.group)).sort((a, b) => a.name.localeCompare(b.name));
  const problems: string[] = [];
  for (const u of used) {
    const crd = selected.find((c) => c.group === u.group && c.kind === u.kind);
    if (crd === undefined)
      problems.push(`${u.group}/${u.version} ${u.kind}: no CRD of that group and kind in the operators' modules`);
    else if (!crd.versions.includes(u.version)) {
      problems.push(
        `${u.group}/${u.version} ${u.kind}: ${crd.file} serves ${crd.versions.join(", ")}, not ${u.version}`,
      );
    }
  }
  return { selected, problems };
}

/** `go mod download -json mod@version` (the cluster build's module cache), the module's directory. */
function download(pin: ModulePin): string {
  const cache = process.env.LOOM_CLUSTER_CACHE ?? path.join(os.homedir(), ".cache", "loom-cluster");
  const env = { ...process.env, GOMODCACHE: path.join(cache, "gomod"), GOFLAGS: "", GOTOOLCHAIN: "local" };
  let out: string;
  try {
    out = execFileSync("go", ["mod", "download", "-json", `${pin.module}@${pin.version}`], {
      env,
      cwd: os.tmpdir(),
    }).toString();
  } catch (e) {
    const stdout = (e as { stdout?: Buffer }).stdout?.toString() ?? "";
    throw new Error(
      `go mod download ${pin.module}@${pin.version} (${pin.chart} ${pin.chartVersion}) failed: ${stdout || e}`,
    );
  }
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${pin.module}@${pin.version}: ${info.Error ?? "no Dir"}`);
  return info.Dir;
}

function main(planFile: string): number {
  const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { resources: { type: string }[] };
  const used = usedCustomTypes(plan.resources.map((r) => r.type));
  const crds: Crd[] = [];
  for (const pin of modulePins()) {
    const dir = path.join(download(pin), pin.dir);
    console.error(`crds: ${pin.chart} ${pin.chartVersion} -> ${pin.module}@${pin.version} ${pin.dir}`);
    for (const f of fs
      .readdirSync(dir)
      .filter((n) => n.endsWith(".yaml"))
      .sort()) {
      const file = path.join(dir, f);
      crds.push(...parseCrds(file, fs.readFileSync(file, "utf8")));
    }
  }
  const { selected, problems } = selectCrds(used, crds);
  if (problems.length > 0) {
    for (const p of problems) console.error(`crds: ${p}`);
    return 1;
  }
  for (const c of selected) console.log(`${c.name} ${c.file}`);
  return 0;
}

if (require.main === module) {
  const [planFile] = process.argv.slice(2);
  if (!planFile) {
    console.error("usage: crds.ts <plan.json> (npm run plan -- --stack cluster --json <plan.json>)");
    process.exit(2);
  }
  try {
    process.exit(main(planFile));
  } catch (e) {
    console.error(`crds: ${(e as Error).message}`);
    process.exit(1);
  }
}
