import * as assert from "node:assert/strict";
import * as path from "node:path";
import { type Finding, judge, loadIgnores, validateIgnores } from "../../scripts/scan/findings";

const finding = (check: string, object: string, severity = "CRITICAL"): Finding => ({
  scanner: "kube-score",
  check,
  severity,
  object,
  file: "x.yaml",
  message: "m",
});
const entry = (o: Record<string, unknown>) => ({
  scanner: "kube-score",
  check: "pod-probes-identical",
  objects: ["Deployment/loom-jaeger"],
  reason: "a reason that is long enough",
  ...o,
});

describe("scan: ignore list (scripts/scan/ignores.yaml)", () => {
  it("refuses an ignore without a reason, naming the entry and the check", () => {
    assert.throws(
      () => validateIgnores({ ignores: [entry({ reason: undefined })] }),
      /ignores\[0\]\.reason: an ignore of kube-score pod-probes-identical needs a one-line reason/,
    );
    assert.throws(() => validateIgnores({ ignores: [entry({ reason: "short" })] }), /ignores\[0\]\.reason/);
  });

  it("refuses an unknown scanner, a bad object and an unknown key", () => {
    assert.throws(
      () => validateIgnores({ ignores: [entry({ scanner: "checkov" })] }),
      /'checkov' is not a scanner \(allowed: kube-score, trivy\)/,
    );
    assert.throws(
      () => validateIgnores({ ignores: [entry({ objects: ["loom-web"] })] }),
      /'loom-web' is not Kind\/name/,
    );
    assert.throws(() => validateIgnores({ ignores: [entry({ why: "x" })] }), /unknown key 'why'/);
  });

  it("flags an ignore whose object matches no finding as stale", () => {
    const ig = validateIgnores({ ignores: [entry({ objects: ["Deployment/loom-jaeger", "Deployment/loom-gone"] })] });
    const v = judge([finding("pod-probes-identical", "Deployment/loom-jaeger")], ig);
    assert.deepEqual(
      v.stale.map((s) => s.object),
      ["Deployment/loom-gone"],
    );
    assert.equal(v.ignored.length, 1);
    assert.equal(v.gated.length, 0);
  });

  it("gates an un-ignored CRITICAL, reports an un-ignored OK-ish grade below the gate, matches name prefixes", () => {
    const ig = validateIgnores({ ignores: [entry({ objects: ["Job/loom-migrate-*"] })] });
    const v = judge(
      [
        finding("pod-probes-identical", "Job/loom-migrate-1qyi7811"),
        finding("pod-probes-identical", "Deployment/loom-web"),
        finding("container-image-tag", "Deployment/loom-web", "ALMOST_OK"),
      ],
      ig,
    );
    assert.deepEqual(
      v.ignored.map((i) => i.finding.object),
      ["Job/loom-migrate-1qyi7811"],
    );
    assert.deepEqual(
      v.gated.map((f) => f.object),
      ["Deployment/loom-web"],
    );
    assert.deepEqual(
      v.reported.map((f) => f.check),
      ["container-image-tag"],
    );
    assert.equal(v.stale.length, 0);
  });

  it("the committed ignore list loads: every entry has a reason", () => {
    const list = loadIgnores(path.join(__dirname, "../../scripts/scan/ignores.yaml"));
    assert.equal(list.length, 9);
    for (const i of list) assert.ok(i.reason.length >= 20, `${i.scanner} ${i.check}`);
  });
});
