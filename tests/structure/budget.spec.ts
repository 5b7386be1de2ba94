/**
 * Small rooms (DESIGN §11): every file under components/ is at most 400 lines and every function in it at most 80,
 * so a new cloud inherits the budget instead of copying a 700-line file. Measured with the TypeScript parser:
 * function declarations, methods, constructors, accessors, function expressions and arrow functions with a body.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

interface LongFunction {
  name: string;
  line: number;
  lines: number;
}

/** Every function-like node in `text` longer than `max` lines. */
function longFunctions(fileName: string, text: string, max = MAX_FUNCTION_LINES): LongFunction[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) found.push({ name: nameOf(node), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "(anonymous)";
}

describe("small rooms: components/ budgets", () => {
  const files = sourceFiles(path.join(ROOT, "components"));

  it("finds the component sources", () => {
    assert.ok(files.length > 30, `only ${files.length} files under components/`);
  });

  it(`every file in components/ is at most ${MAX_FILE_LINES} lines`, () => {
    const over = files
      .map((f) => ({ file: path.relative(ROOT, f), lines: fs.readFileSync(f, "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    assert.deepEqual(over, []);
  });

  it(`every function in components/ is at most ${MAX_FUNCTION_LINES} lines`, () => {
    const over = files.flatMap((f) =>
      longFunctions(f, fs.readFileSync(f, "utf8")).map(
        (fn) => `${path.relative(ROOT, f)}:${fn.line} ${fn.name}: ${fn.lines} lines`,
      ),
    );
    assert.deepEqual(over, []);
  });

  describe("the measure itself", () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");

    it("counts a function declaration from its first to its last line", () => {
      const text = `export function big() {\n${body(79)}\n}\n`; // 81 lines
      assert.deepEqual(longFunctions("x.ts", text), [{ name: "big", line: 1, lines: 81 }]);
      assert.deepEqual(longFunctions("x.ts", `function ok() {\n${body(78)}\n}\n`), []); // 80 lines
    });

    it("sees arrow functions passed to calls and methods of classes", () => {
      const text = `x.apply((v) => {\n${body(85)}\n});\nclass C {\n  m() {\n${body(81)}\n  }\n}\n`;
      assert.deepEqual(
        longFunctions("x.ts", text).map((f) => [f.name, f.lines]),
        [
          ["(anonymous)", 87],
          ["m", 83],
        ],
      );
    });
  });
});
