/**
 * docs/security/secrets.md stays true to the repository: every repository path it names in backticks exists, every
 * relative link resolves, and every test file it lists as a check is one of tests/secrets/.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const DOC = "docs/security/secrets.md";
const text = fs.readFileSync(path.join(ROOT, DOC), "utf8");

const PATH = /`((?:components|scripts|tests|policy|ansible|docs|\.github)\/[\w./-]+)`/g;

describe("docs/security/secrets.md", () => {
  it("names only repository paths that exist", () => {
    const named = [...new Set([...text.matchAll(PATH)].map((m) => m[1] as string))];
    assert.ok(named.length >= 15, `only ${named.length} paths found: the pattern broke`);
    assert.deepEqual(
      named.filter((p) => !fs.existsSync(path.join(ROOT, p))),
      [],
    );
  });

  it("links only to files that exist", () => {
    const links = [...text.matchAll(/\]\((\.\.?\/[^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string);
    assert.ok(links.length >= 3);
    assert.deepEqual(
      links.filter((l) => !fs.existsSync(path.resolve(ROOT, path.dirname(DOC), l))),
      [],
    );
  });

  it("lists every spec of tests/secrets/ in its checks", () => {
    const specs = fs
      .readdirSync(path.join(ROOT, "tests/secrets"))
      .filter((f) => f.endsWith(".spec.ts") && f !== "docs.spec.ts");
    assert.deepEqual(
      specs.filter((f) => !text.includes(`tests/secrets/${f}`)),
      [],
    );
  });
});
