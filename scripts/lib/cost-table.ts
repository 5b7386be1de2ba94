/**
 * The committed price table (scripts/cost/prices.yaml): its schema and loader. Pure apart from reading the file.
 *
 * A table has a `date` and a `source` (printed with every estimate), a `currency`, and per cloud a map from a
 * Pulumi resource type to how it is priced:
 *   free                          no charge of its own (IAM, routes, tags, policies…)
 *   usage                         priced by use only (requests, GB stored or sent): listed, not estimated
 *   included                      runs on capacity priced elsewhere (a Kubernetes cluster's nodes)
 *   { charges: [...], link? }     list price per month, from the resource's inputs
 * A charge is `monthly` (fixed) or `size` + `sizes` (the input at `size` picks the price), times `per` (a quantity
 * input, divided by `divide`), times `count` (an input: a number or an array's length), times 2 when `double` is true.
 * `link` reads another planned resource's inputs too (paths starting with `@`): the resource of type `link.type`
 * whose name is the last `/` or `:` segment of the input at `link.input` (an ECS service's task definition).
 */
import * as fs from "node:fs";
import YAML from "yaml";
import { z } from "zod";

const path = z.string().min(1);
const price = z.number().nonnegative();

export const ChargeSchema = z
  .object({
    what: z.string().min(1),
    monthly: price.optional(),
    size: path.optional(),
    sizes: z.record(z.string(), price).optional(),
    per: path.optional(),
    divide: z.number().positive().optional(),
    unit: z.enum(["number", "GiB", "vCPU"]).optional(),
    count: path.optional(),
    double: path.optional(),
  })
  .strict()
  .refine((c) => (c.monthly === undefined) !== (c.size === undefined || c.sizes === undefined), {
    message: "a charge has either `monthly` or both `size` and `sizes`",
  });

export type Charge = z.infer<typeof ChargeSchema>;

const PricedSchema = z
  .object({
    charges: z.array(ChargeSchema).min(1),
    link: z
      .object({ input: path, type: z.string().min(1) })
      .strict()
      .optional(),
    note: z.string().optional(),
  })
  .strict();

export type Priced = z.infer<typeof PricedSchema>;
export const KINDS = ["free", "usage", "included"] as const;
export type Kind = (typeof KINDS)[number];
export type Entry = Kind | Priced;

export const PriceTableSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, YYYY-MM-DD"),
    source: z.string().min(10),
    currency: z.string().regex(/^[A-Z]{3}$/),
    hoursPerMonth: z.number().positive(),
    clouds: z.record(z.string(), z.record(z.string(), z.union([z.enum(KINDS), PricedSchema]))),
  })
  .strict();

export type PriceTable = z.infer<typeof PriceTableSchema>;

/** Validate a parsed table; an error names the key path, the value's problem and the file. */
export function parsePriceTable(raw: unknown, file = "prices.yaml"): PriceTable {
  const result = PriceTableSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.map(String).join(".") || "(top level)";
  throw new Error(`${file}: ${where}: ${issue.message}`);
}

export function loadPriceTable(file: string): PriceTable {
  return parsePriceTable(YAML.parse(fs.readFileSync(file, "utf8")), file);
}
