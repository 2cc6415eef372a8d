// Type-checks Grafana dashboard JSON files against @grafana/schema's Dashboard
// type with the TypeScript compiler. Run it through
// tests/dashboards/validate-dashboards, which installs the pinned packages.
//
//   node validate-dashboards.js MODULES_DIR [--valid FILE]... [--invalid FILE]...
//
// Each file must parse as JSON (so no comment, trailing comma or expression
// that TypeScript would accept gets through). It is then written as
//   import type { DashboardJson } from './dashboard-json'; export const dashboard: DashboardJson = <the JSON>;
// with the JSON from the first line on, so tsc's line numbers are the file's,
// and all files are checked by one `tsc --noEmit --strict` run.
// A --valid file must have no error. An --invalid file (a negative test case)
// must fail, with the error code its "description" names ("expect TS2353: ...").
// Prints "ok"/"FAIL" per file; exits 1 when any file did not do what it must, 2
// on bad usage.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const [modulesDir, ...rest] = process.argv.slice(2);
const files = [];
for (let i = 0; i < rest.length; i += 2) {
  if ((rest[i] !== "--valid" && rest[i] !== "--invalid") || rest[i + 1] === undefined) {
    console.error("usage: validate-dashboards.js MODULES_DIR [--valid FILE]... [--invalid FILE]...");
    process.exit(2);
  }
  files.push({ file: rest[i + 1], valid: rest[i] === "--valid" });
}
if (!modulesDir || files.length === 0) {
  console.error("usage: validate-dashboards.js MODULES_DIR [--valid FILE]... [--invalid FILE]...");
  process.exit(2);
}

const work = path.join(path.resolve(modulesDir), "work");
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
fs.copyFileSync(path.join(__dirname, "dashboard-json.ts"), path.join(work, "dashboard-json.ts"));

let failed = 0;
const checked = [];
files.forEach((entry, index) => {
  let text;
  try {
    text = fs.readFileSync(entry.file, "utf8");
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
    entry.expect = entry.valid ? null : (/expect (TS\d+)/.exec(String(parsed.description)) || [])[1];
  } catch (e) {
    // Not JSON: an error for a dashboard, and not the failure a negative case is about.
    console.log(`FAIL ${entry.file}: ${e.message}`);
    failed++;
    return;
  }
  if (!entry.valid && !entry.expect) {
    console.log(`FAIL ${entry.file}: a negative case must name its error in "description" ("expect TS2322: ...")`);
    failed++;
    return;
  }
  entry.ts = `d${index}.ts`;
  entry.errors = [];
  fs.writeFileSync(
    path.join(work, entry.ts),
    "import type { DashboardJson } from './dashboard-json'; export const dashboard: DashboardJson = " +
      text.trimEnd() + ";\n");
  checked.push(entry);
});

if (checked.length > 0) {
  const tsc = require.resolve("typescript/bin/tsc", { paths: [path.resolve(modulesDir)] });
  const result = spawnSync(process.execPath, [
    tsc, "--noEmit", "--strict", "--pretty", "false", "--target", "es2022", "--module", "esnext",
    "--moduleResolution", "bundler", ...checked.map((e) => e.ts),
  ], { cwd: work, encoding: "utf8", timeout: 240000 });
  if (result.error || result.status === null) {
    console.log(`FAIL tsc did not finish: ${result.error ? result.error.message : result.signal}`);
    process.exit(1);
  }
  const byTs = new Map(checked.map((e) => [e.ts, e]));
  const stray = [];
  // Error lines are "d0.ts(12,5): error TS2322: ..."; continuation lines are indented.
  let current = null;
  for (const line of (result.stdout + result.stderr).split("\n")) {
    const m = /^(d\d+\.ts)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m && byTs.has(m[1])) {
      current = { line: +m[2], column: +m[3], code: m[4], message: m[5] };
      byTs.get(m[1]).errors.push(current);
    } else if (current && /^\s+\S/.test(line)) {
      current.message += " " + line.trim();
    } else if (line.trim()) {
      current = null;
      stray.push(line);
    }
  }
  if (stray.length > 0) {
    // An error that is not in a dashboard's file (the type module, the
    // package, the options): nothing can be concluded.
    console.log(`FAIL tsc reported errors outside the dashboards:\n${stray.join("\n")}`);
    process.exit(1);
  }
  if (result.status !== 0 && checked.every((e) => e.errors.length === 0)) {
    console.log(`FAIL tsc exited ${result.status} without an error in a dashboard`);
    process.exit(1);
  }
  for (const entry of checked) {
    // tsc spells out the whole expected type; its first 160 characters say enough.
    const brief = (m) => (m.length > 160 ? m.slice(0, 160) + " ..." : m);
    const where = (e) => `${entry.file}:${e.line}:${e.column}: ${e.code}: ${brief(e.message)}`;
    if (entry.valid) {
      if (entry.errors.length === 0) {
        console.log(`ok   ${entry.file}`);
      } else {
        failed++;
        console.log(`FAIL ${entry.file}: not a Dashboard of @grafana/schema`);
        for (const e of entry.errors) console.log(`     ${where(e)}`);
      }
    } else {
      const expected = entry.errors.find((e) => e.code === entry.expect);
      if (expected) {
        console.log(`ok   ${entry.file} rejected as expected: ${where(expected)}`);
      } else {
        failed++;
        console.log(`FAIL ${entry.file}: expected ${entry.expect}, got ` +
          (entry.errors.length ? entry.errors.map(where).join("; ") : "no error"));
      }
    }
  }
}
console.log(`validate-dashboards: ${files.length - failed} of ${files.length} files as expected`);
process.exit(failed ? 1 : 0);
