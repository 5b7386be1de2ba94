/**
 * npm run cost: the monthly list price of a plan from the committed, dated price table. Exact numbers for a small
 * hand-built plan and for the real dev plan on AWS; unknown types and unpriceable sizes listed, never guessed.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  type CostResource,
  estimate,
  groupLines,
  inputAt,
  quantity,
  renderEstimate,
  renderMatrix,
} from "../../scripts/lib/cost";
import { loadPriceTable, type PriceTable, parsePriceTable } from "../../scripts/lib/cost-table";
import { planStack, ROOT } from "../../scripts/lib/plan";

const run = promisify(execFile);
const PRICES = path.join(ROOT, "scripts", "cost", "prices.yaml");

const TABLE: PriceTable = parsePriceTable({
  date: "2026-01-31",
  source: "a fixture table for the tests",
  currency: "USD",
  hoursPerMonth: 730,
  clouds: {
    common: { "random:index/randomPassword:RandomPassword": "free" },
    aws: {
      "aws:rds/instance:Instance": {
        charges: [
          { what: "instance", size: "instanceClass", sizes: { "db.t4g.small": 26.28 }, double: "multiAz" },
          { what: "storage", monthly: 0.127, per: "allocatedStorage", double: "multiAz" },
        ],
      },
      "aws:ecs/service:Service": {
        link: { input: "taskDefinition", type: "aws:ecs/taskDefinition:TaskDefinition" },
        charges: [
          { what: "vCPU", monthly: 29.55, per: "@cpu", divide: 1024, count: "desiredCount" },
          { what: "GB", monthly: 3.24, per: "@memory", divide: 1024, count: "desiredCount" },
        ],
      },
      "aws:ecs/taskDefinition:TaskDefinition": "free",
      "aws:ec2/vpcEndpoint:VpcEndpoint": {
        charges: [
          { what: "endpoint", size: "vpcEndpointType", sizes: { Gateway: 0, Interface: 8.03 }, count: "subnetIds" },
        ],
      },
      "aws:s3/bucket:Bucket": "usage",
    },
    kubernetes: { "kubernetes:apps/v1:Deployment": "included" },
  },
});

const res = (type: string, name: string, inputs: Record<string, unknown>): CostResource => ({
  type,
  name,
  custom: true,
  inputs,
});

const FIXTURE: CostResource[] = [
  { type: "loom:index:Database", name: "loom", custom: false, inputs: {} },
  res("aws:rds/instance:Instance", "db", { instanceClass: "db.t4g.small", multiAz: true, allocatedStorage: 20 }),
  res("aws:rds/instance:Instance", "db-big", { instanceClass: "db.x2g.16xlarge", allocatedStorage: 10 }),
  res("aws:ecs/taskDefinition:TaskDefinition", "web", { cpu: "512", memory: "1024" }),
  res("aws:ecs/service:Service", "web", {
    taskDefinition: "arn:aws:ecs:eu-west-1:000000000000:taskdefinition/web",
    desiredCount: 2,
  }),
  res("aws:ec2/vpcEndpoint:VpcEndpoint", "logs", { vpcEndpointType: "Interface", subnetIds: ["a", "b", "c"] }),
  res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", { vpcEndpointType: "Gateway" }),
  res("aws:s3/bucket:Bucket", "logs", {}),
  res("random:index/randomPassword:RandomPassword", "pw", {}),
  res("pulumi:providers:aws", "default", {}),
  res("aws:sqs/queue:Queue", "jobs", {}),
  res("aws:sqs/queue:Queue", "dead", {}),
];

describe("npm run cost", () => {
  describe("estimate (a hand-built plan)", () => {
    const e = estimate(FIXTURE, TABLE, "aws");

    it("prices each resource from its inputs: sizes, quantities, counts, Multi-AZ, linked task definitions", () => {
      assert.deepEqual(
        e.lines.map((l) => [l.name, l.monthly, l.charges]),
        [
          ["db", 57.64, ["instance db.t4g.small ×2 (multiAz) = 52.56", "storage × 20 ×2 (multiAz) = 5.08"]],
          ["web", 36.03, ["vCPU × 0.5 ×2 = 29.55", "GB × 1 ×2 = 6.48"]],
          ["logs", 24.09, ["endpoint Interface ×3 = 24.09"]],
          ["db-big", 1.27, ["storage × 10 = 1.27"]],
          ["s3", 0, ["endpoint Gateway = 0.00"]],
        ],
      );
      assert.equal(e.total, 119.03);
    });

    it("lists what it cannot price instead of guessing: unknown types, unknown sizes", () => {
      assert.deepEqual(e.unknownTypes, [{ type: "aws:sqs/queue:Queue", count: 2 }]);
      assert.deepEqual(e.unpriced, [
        {
          type: "aws:rds/instance:Instance",
          name: "db-big",
          reason: 'instance: instanceClass = "db.x2g.16xlarge" has no price',
        },
      ]);
      assert.deepEqual(e.usage, [{ type: "aws:s3/bucket:Bucket", count: 1 }]);
      // task definition, random password, provider; the component resource is not counted at all
      assert.equal(e.free, 3);
    });

    it("carries the table's date, source and currency into every estimate and its rendering", () => {
      assert.deepEqual([e.date, e.source, e.currency], ["2026-01-31", "a fixture table for the tests", "USD"]);
      const text = renderEstimate(e, "fixture");
      assert.match(text, /^fixture\nPrices: list prices of 2026-01-31; source: a fixture table for the tests\n/);
      assert.match(text, /\n {4}119\.03 USD {2}per month/);
      assert.match(text, /Unknown to the price table \(not in the total, not guessed\):\n {2}aws:sqs\/queue:Queue ×2/);
      assert.match(
        text,
        /db-big \(aws:rds\/instance:Instance\): instance: instanceClass = "db.x2g.16xlarge" has no price/,
      );
    });

    it("names the missing link instead of pricing a service without its task definition", () => {
      const lone = estimate(
        [res("aws:ecs/service:Service", "w", { taskDefinition: "td/x", desiredCount: 1 })],
        TABLE,
        "aws",
      );
      assert.deepEqual(lone.lines, []);
      assert.deepEqual(lone.unpriced, [
        {
          type: "aws:ecs/service:Service",
          name: "w",
          reason: "no aws:ecs/taskDefinition:TaskDefinition named by taskDefinition",
        },
      ]);
    });

    it("counts capacity priced elsewhere (Kubernetes workloads) apart, at zero", () => {
      const k = estimate([res("kubernetes:apps/v1:Deployment", "web", {})], TABLE, "kubernetes");
      assert.deepEqual([k.total, k.included], [0, [{ type: "kubernetes:apps/v1:Deployment", count: 1 }]]);
    });

    it("sets stacks × clouds side by side, marking and listing what is not in a total", () => {
      const k = estimate([res("kubernetes:apps/v1:Deployment", "web", {})], TABLE, "kubernetes");
      const text = renderMatrix([
        { stack: "dev", cloud: "aws", estimate: e },
        { stack: "dev", cloud: "kubernetes", estimate: k },
      ]);
      assert.equal(
        text,
        [
          "Monthly list price (USD), prices of 2026-01-31; source: a fixture table for the tests",
          "",
          "| stack | aws | kubernetes |",
          "|---|---|---|",
          "| dev | 119.03 * | 0.00 |",
          "",
          "* not in the total (never guessed):",
          '  dev on aws: aws:sqs/queue:Queue ×2 (unknown type); db-big: instance: instanceClass = "db.x2g.16xlarge" has no price',
        ].join("\n"),
      );
      assert.equal(renderMatrix([]), "");
    });

    it("groups identical lines for display", () => {
      const lines = [
        { type: "t", name: "a", monthly: 1.1, charges: ["x = 1.10"] },
        { type: "t", name: "b", monthly: 1.1, charges: ["x = 1.10"] },
        { type: "t", name: "c", monthly: 5, charges: ["y = 5.00"] },
      ];
      assert.deepEqual(
        groupLines(lines).map((g) => [g.names, g.monthly]),
        [
          [["c"], 5],
          [["a", "b"], 2.2],
        ],
      );
    });
  });

  describe("helpers", () => {
    it("reads quantities: numbers, numeric strings, arrays, Kubernetes quantities per unit", () => {
      assert.equal(quantity(3), 3);
      assert.equal(quantity("1024"), 1024);
      assert.equal(quantity(["a", "b"]), 2);
      assert.equal(quantity("2Gi", "GiB"), 2);
      assert.equal(quantity("512Mi", "GiB"), 0.5);
      assert.equal(quantity("0.5Gi", "GiB"), 0.5);
      assert.equal(quantity("250m", "vCPU"), 0.25);
      assert.equal(quantity("250m"), undefined);
      assert.equal(quantity("2Gi"), undefined);
      assert.equal(quantity("lots"), undefined);
      assert.equal(quantity(undefined), undefined);
    });
    it("reads inputs by dotted path, through arrays", () => {
      const inputs = { template: { containers: [{ resources: { limits: { cpu: "1" } } }] } };
      assert.equal(inputAt(inputs, "template.containers.0.resources.limits.cpu"), "1");
      assert.equal(inputAt(inputs, "template.missing.cpu"), undefined);
    });
    it("rejects a bad table, naming the key and the problem", () => {
      assert.throws(() => parsePriceTable({ ...TABLE, date: "last week" }, "p.yaml"), {
        message: "p.yaml: date: must be a date, YYYY-MM-DD",
      });
      const bad = { ...TABLE, clouds: { aws: { "aws:x/y:Z": { charges: [{ what: "x", size: "s" }] } } } };
      assert.throws(() => parsePriceTable(bad, "p.yaml"), /^Error: p\.yaml: clouds\.aws\.aws:x\/y:Z/);
    });
  });

  describe("the committed table and real plans", function () {
    this.timeout(120_000);
    const table = loadPriceTable(PRICES);

    it("is dated and sourced", () => {
      assert.equal(table.date, "2026-12-02");
      assert.match(table.source, /not re-verified online/);
      assert.equal(table.currency, "USD");
    });

    it("prices the real dev plan on AWS exactly, with nothing unknown", async () => {
      const plan = await planStack({ stack: "dev", cloud: "aws", policy: false });
      const e = estimate(plan.resources, table, "aws");
      assert.equal(e.total, 215.99);
      assert.equal(e.lines.length, 26);
      assert.deepEqual([e.unknownTypes, e.unpriced], [[], []]);
      const by = (name: string, type: string) => e.lines.find((l) => l.name === name && l.type === type)?.monthly;
      assert.equal(by("loom-db", "aws:rds/instance:Instance"), 28.82);
      assert.equal(by("loom-web", "aws:ecs/service:Service"), 9.01);
      assert.equal(by("loom-nat-a", "aws:ec2/natGateway:NatGateway"), 35.04);
    });

    it("lists the types it has no price for on a real plan (Azure Managed Redis) instead of guessing", async () => {
      const plan = await planStack({ stack: "dev", cloud: "azure", policy: false });
      const e = estimate(plan.resources, table, "azure");
      assert.deepEqual(e.unknownTypes, [{ type: "azure-native:redisenterprise:RedisEnterprise", count: 1 }]);
      assert.equal(e.total, 146.08);
    });

    it("the CLI prints date and source with the estimate and writes --json", async () => {
      const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "loom-cost-")), "cost.json");
      const { stdout } = await run(
        process.execPath,
        [
          path.join(ROOT, "scripts", "dist.js"),
          "run",
          "scripts/cost.ts",
          "--stack",
          "dev",
          "--cloud",
          "digitalocean",
          "--json",
          json,
        ],
        { cwd: ROOT },
      );
      assert.match(
        stdout,
        /^Monthly list price of loom\/dev on digitalocean\nPrices: list prices of 2026-12-02; source: /,
      );
      assert.match(stdout, /\n {5}63\.00 USD {2}per month/);
      const doc = JSON.parse(fs.readFileSync(json, "utf8"));
      assert.deepEqual([doc.stack, doc.cloud, doc.total, doc.date], ["dev", "digitalocean", 63, "2026-12-02"]);
    });

    it("the CLI prints several stacks side by side", async () => {
      const { stdout } = await run(
        process.execPath,
        [
          path.join(ROOT, "scripts", "dist.js"),
          "run",
          "scripts/cost.ts",
          "--stack",
          "dev,prod",
          "--cloud",
          "digitalocean",
        ],
        { cwd: ROOT },
      );
      assert.match(stdout, /^Monthly list price \(USD\), prices of 2026-12-02; source: /);
      assert.match(stdout, /\n\| stack \| digitalocean \|\n\|---\|---\|\n\| dev \| 63\.00 \|\n\| prod \| 690\.00 \|\n/);
    });

    it("the CLI refuses bad usage with exit 2 and says what is allowed", async () => {
      const cli = [path.join(ROOT, "scripts", "dist.js"), "run", "scripts/cost.ts"];
      await assert.rejects(
        run(process.execPath, [...cli, "--stack", "dev", "--cloud", "asw"], { cwd: ROOT }),
        (e: Error & { code?: number; stderr?: string }) => {
          assert.equal(e.code, 2);
          assert.match(e.stderr ?? "", /--cloud: "asw" is not one of aws, gcp, azure, digitalocean, kubernetes/);
          return true;
        },
      );
      await assert.rejects(
        run(process.execPath, cli, { cwd: ROOT }),
        (e: Error & { code?: number; stderr?: string }) => {
          assert.equal(e.code, 2);
          assert.match(e.stderr ?? "", /--stack is required/);
          return true;
        },
      );
    });
  });
});
