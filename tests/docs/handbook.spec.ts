/**
 * The operations handbook is checked, not just written (issue 17): every `npm run …` script, every
 * `pulumi stack output <name>`, every repository path and every relative link (with its #anchor) that the runbooks,
 * troubleshooting guides, upgrades.md and capacity.md name exists; every stack output of index.ts is documented as a
 * `pulumi stack output <name>` somewhere in the handbook; each guide has a section per implemented cloud; and the
 * runbook link of every alert each of the five backends renders (read from the real prod plan) resolves to a heading.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { IMPLEMENTED_CLOUDS } from "../../components/cloud";
import { ALERTS } from "../../components/observability/catalog/alerts";
import { DASHBOARDS } from "../../components/observability/catalog/dashboards";
import { estimate } from "../../scripts/lib/cost";
import { loadPriceTable } from "../../scripts/lib/cost-table";
import { planStack } from "../../scripts/lib/plan";
import {
  anchorsOf,
  CLOUD_HEADINGS,
  dashboardRefs,
  GUIDE_SECTIONS,
  handbookFiles,
  headings,
  npmScripts,
  perCloudFiles,
  prodNames,
  prose,
  quotedCosts,
  ROOT,
  read,
  relativeLinks,
  repoPaths,
  resolves,
  runbookLinks,
  stackOutputRefs,
  stackOutputs,
  TROUBLESHOOTING,
  tableAlertRefs,
} from "../harness/docs";

const HANDBOOK = handbookFiles();

describe("operations handbook (docs/runbooks, docs/troubleshooting, upgrades, capacity)", () => {
  const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
  const outputs = stackOutputs(read("index.ts"));

  it("reads the stack outputs of index.ts, including the DigitalOcean-only ones", () => {
    for (const o of ["url", "migrateCommand", "databaseEndpoint", "dashboards", "recovery", "bootConfig", "hosts"])
      assert.ok(outputs.includes(o), o);
    assert.equal(outputs.length, 18, outputs.join(","));
  });

  it("has the six runbooks, the seven troubleshooting guides, upgrades.md and capacity.md", () => {
    for (const f of ["deploy", "rollback", "scaling", "backup-restore", "incident-response", "database-maintenance"])
      assert.ok(fs.existsSync(path.join(ROOT, `docs/runbooks/${f}.md`)), f);
    for (const f of TROUBLESHOOTING) assert.ok(fs.existsSync(path.join(ROOT, `docs/troubleshooting/${f}.md`)), f);
    for (const f of ["docs/upgrades.md", "docs/capacity.md"]) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  });

  for (const file of HANDBOOK) {
    describe(file, () => {
      const md = read(file);
      it("names only npm scripts that exist in package.json", () => {
        for (const s of npmScripts(md)) assert.ok(scripts.includes(s), `${file}: npm run ${s}: no such script`);
      });
      it("names only stack outputs index.ts exports", () => {
        for (const o of stackOutputRefs(md))
          assert.ok(outputs.includes(o), `${file}: pulumi stack output ${o}: not an output of index.ts`);
      });
      it("names only repository paths that exist", () => {
        for (const p of repoPaths(md)) assert.ok(fs.existsSync(path.join(ROOT, p)), `${file}: ${p} does not exist`);
      });
      it("links only to files and headings that exist", () => {
        for (const link of relativeLinks(md)) {
          const [target, anchor] = link.split("#");
          const full = target === "" ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), target);
          assert.ok(fs.existsSync(full), `${file}: link ${link}: ${path.relative(ROOT, full)} missing`);
          if (anchor && full.endsWith(".md"))
            assert.ok(anchorsOf(fs.readFileSync(full, "utf8")).has(anchor), `${file}: link ${link}: no such heading`);
        }
      });
      it("names only dashboards the catalog defines", () => {
        const titles = DASHBOARDS.map((d) => d.title);
        for (const t of dashboardRefs(md)) assert.ok(titles.includes(t), `${file}: no dashboard titled "${t}"`);
      });
      it("has no placeholder left in it", () => {
        assert.doesNotMatch(prose(md), /\b(TODO|TBD|FIXME)\b/);
      });
    });
  }

  for (const file of perCloudFiles()) {
    it(`${file} has a section per implemented cloud`, () => {
      const found = headings(read(file)).filter((h) => h.level >= 2 && h.level <= 4);
      for (const cloud of CLOUD_HEADINGS)
        assert.ok(
          found.some((h) => new RegExp(`\\b${cloud}\\b`).test(h.text)),
          `${file}: no heading names ${cloud}`,
        );
    });
  }

  for (const guide of TROUBLESHOOTING) {
    it(`troubleshooting/${guide}.md has symptom, first checks, causes, fixes, verify and escalate, in order`, () => {
      const h2 = headings(read(`docs/troubleshooting/${guide}.md`))
        .filter((h) => h.level === 2)
        .map((h) => h.text);
      assert.deepEqual(
        h2.filter((t) => (GUIDE_SECTIONS as readonly string[]).includes(t)),
        [...GUIDE_SECTIONS],
      );
    });
  }

  it("troubleshooting/README.md lists every guide and only alerts the catalog has", () => {
    const md = read("docs/troubleshooting/README.md");
    for (const g of TROUBLESHOOTING) assert.match(md, new RegExp(`\\]\\(${g}\\.md\\)`), g);
    const refs = tableAlertRefs(md);
    assert.ok(refs.length >= 10, refs.join(" "));
    const ids = ALERTS.map((a) => a.id as string);
    for (const ref of refs) {
      const glob = new RegExp(`^${ref.replace(/\*/g, ".*")}$`);
      assert.ok(
        ids.some((id) => glob.test(id)),
        `no alert matches ${ref}`,
      );
    }
  });

  it("documents every stack output as a `pulumi stack output <name>` somewhere in the handbook", () => {
    const documented = new Set(HANDBOOK.flatMap((f) => stackOutputRefs(read(f))));
    const missing = outputs.filter((o) => !documented.has(o));
    assert.deepEqual(missing, [], `undocumented stack outputs: ${missing.join(", ")}`);
  });

  it("every catalog alert's runbook is a heading of docs/runbooks/alerts.md", () => {
    for (const a of ALERTS) {
      assert.equal(a.runbook, `docs/runbooks/alerts.md#${a.id}`);
      assert.ok(resolves(a.runbook), a.id);
    }
  });

  describe("the runbook links each backend renders into the prod plan resolve", function () {
    this.timeout(120_000);
    /** Distinct alerts with a runbook link per cloud (DigitalOcean Monitoring has no queue or LLM metric). */
    const table = loadPriceTable(path.join(ROOT, "scripts", "cost", "prices.yaml"));
    /** Every prod plan's resources and outputs as text, filled by the tests per cloud below. */
    const planned: string[] = [];
    /** Names the procedures tell the operator to create (restores, blue-green, snapshots): not in any plan. */
    const OPERATOR_NAMES = [
      "loom-prod-db-pitr",
      "loom-prod-db-geo",
      "loom-prod-db-restored",
      "loom-prod-pre-pg17",
      "loom-prod-green",
      "loom-prod-web--green",
    ];
    const LINKED: Record<string, number> = { aws: 19, gcp: 19, azure: 19, digitalocean: 17, kubernetes: 19 };
    for (const cloud of IMPLEMENTED_CLOUDS) {
      it(cloud, async () => {
        const plan = await planStack({ stack: "prod", cloud, policy: false });
        planned.push(JSON.stringify({ resources: plan.resources, outputs: plan.outputs }));
        // runbooks/README.md tells the operator no output needs --show-secrets.
        assert.deepEqual(plan.secretOutputs, [], `${cloud}: secret stack outputs`);
        const links = [...new Set(runbookLinks(JSON.stringify(plan.resources.map((r) => r.inputs))))];
        assert.equal(links.length, LINKED[cloud], links.join(" "));
        for (const link of links) assert.ok(resolves(link), `${cloud}: ${link} does not resolve`);
        // capacity.md quotes each stack's monthly list price on this cloud: the estimate of the same plans.
        const quoted = quotedCosts(read("docs/capacity.md"));
        assert.equal(
          quoted.prod?.[cloud],
          estimate(plan.resources, table, cloud).total,
          `capacity.md: prod on ${cloud}`,
        );
        for (const stack of ["dev", "staging"]) {
          const other = await planStack({ stack, cloud, policy: false });
          assert.equal(
            quoted[stack]?.[cloud],
            estimate(other.resources, table, cloud).total,
            `capacity.md: ${stack} on ${cloud}`,
          );
        }
      });
    }
    it("every loom-prod-… name the handbook quotes is one a prod plan creates (or one the operator creates)", () => {
      assert.equal(planned.length, IMPLEMENTED_CLOUDS.length, "runs after the plans above");
      const all = planned.join("\n");
      const names = [...new Set(HANDBOOK.flatMap((f) => prodNames(read(f))))];
      assert.ok(names.length >= 30, names.join(" "));
      const missing = names.filter(
        (n) => !OPERATOR_NAMES.includes(n) && !new RegExp(`${n.replace(/-/g, "\\-")}(?![a-z0-9-])`).test(all),
      );
      assert.deepEqual(missing, [], `names no prod plan creates: ${missing.join(", ")}`);
    });
  });

  describe("the parsers", () => {
    it("read scripts, outputs, paths and links from markdown", () => {
      const md =
        "Run `npm run cost -- --stack dev` then `pulumi stack output --json recovery` and `pulumi stack output url`; see `components/profiles.ts:120`, `Pulumi.<stack>.yaml`, [x](../a.md#b) and [y](https://e.example/).";
      assert.deepEqual(npmScripts(md), ["cost"]);
      assert.deepEqual(stackOutputRefs(md), ["recovery", "url"]);
      assert.deepEqual(repoPaths(md), ["components/profiles.ts"]);
      assert.deepEqual(relativeLinks(md), ["../a.md#b"]);
    });
    it("computes GitHub anchors, skipping code blocks and numbering duplicates", () => {
      const md = "# A `b` c\n```sh\n# not a heading\n```\n## AWS\n## AWS\n### Fix: (1) ok?\n";
      assert.deepEqual([...anchorsOf(md)], ["a-b-c", "aws", "aws-1", "fix-1-ok"]);
    });
    it("reads the cost table capacity.md quotes, footnote marks dropped", () => {
      const md = "| stack | AWS | Azure |\n|---|---|---|\n| dev | 1.50 | 2.00 ¹ |\n| prod | 10 | 0 ² |\n";
      assert.deepEqual(quotedCosts(md), { dev: { aws: 1.5, azure: 2 }, prod: { aws: 10, azure: 0 } });
    });
    it("reads the prod stack's physical names, skipping those continued by a placeholder", () => {
      const md = "`loom-prod-web`, loom-prod-secrets-<suffix>, <loom-prod-pg-id>, /loom/prod/web and loom-prod-web.";
      assert.deepEqual(prodNames(md), ["loom-prod-web"]);
    });
    it("reads dashboard titles and the alerts column of a table", () => {
      assert.deepEqual(dashboardRefs("open `Loom / Overview` and `Loom / Database health`"), [
        "Loom / Overview",
        "Loom / Database health",
      ]);
      const md = "| a | b | alerts |\n|---|---|---|\n| x | [g](g.md) | `high-error-rate`, `slo-latency-*` |\n";
      assert.deepEqual(tableAlertRefs(md), ["high-error-rate", "slo-latency-*"]);
    });
    it("finds runbook links in rendered text and resolves them against the repository", () => {
      const text = '{"d":"Runbook: https://x.example/docs/runbooks/alerts.md#high-error-rate"}';
      assert.deepEqual(runbookLinks(text), ["docs/runbooks/alerts.md#high-error-rate"]);
      assert.equal(resolves("docs/runbooks/alerts.md#high-error-rate"), true);
      assert.equal(resolves("docs/runbooks/alerts.md#no-such-alert"), false);
      assert.equal(resolves("docs/runbooks/missing.md#x"), false);
    });
  });
});
