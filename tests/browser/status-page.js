// The status page and the standalone HTML report as people use them, in
// Debian's headless Chromium driven by playwright-core:
// - a fleet of 30 targets, 3 of them failing (not ready, liveness 500, a closed
//   port), probed by a real `probity run` every 5 s;
// - the live page: no console error, no failed request, the failing targets
//   first; the status, label and text filters narrow what is shown; a check's
//   link opens its documentation; the keyboard opens a target; a refresh keeps
//   what the reader opened and filtered; the page fits 400 px; without
//   JavaScript it is still the whole report;
// - the report of `probity scan --format html` of the same fleet, opened as a
//   file: no request leaves the file, the failing targets first, a check's
//   link lands on its documentation inside the file.
// Screenshots (desktop 1400 px light and dark, phone 400 px, the report) are
// written to OUT_DIR for review.
//
//   node status-page.js MODULES_DIR PROBITY SAMPLE_BACKEND OUT_DIR
"use strict";

const fs = require("fs");
const path = require("path");

const [modulesDir, probity, backendBinary, outDir] = process.argv.slice(2);
const { chromium } = require(path.join(modulesDir, "node_modules", "playwright-core"));
const root = path.resolve(__dirname, "..", "..");
const { work, log, start, cleanup, fail, freePort, waitFor, httpGet, startBackend } =
  require(path.join(root, "tests", "support", "children.js")).children("status-page");

const FAILING = ["orders", "payments", "search"];
let checked = 0;
function expect(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
  checked++;
}

// Every console error, page error and failed request of a page.
function watch(page, problems) {
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
}

// The lowest WCAG contrast ratio of text on the page's status, label, link and
// muted text, against the background it is drawn on.
function lowestContrast(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (; el; el = el.parentElement) {
        const c = rgb(getComputedStyle(el).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
      }
      return [255, 255, 255];
    };
    let lowest = { ratio: 99, what: "" };
    const selectors = [".badge.bad", ".badge.good", "td.status", ".sev-critical", ".sev-warning", ".label", ".when",
                       ".failing", ".cats span", "a", ".meta", "form#filters label", "th", "td.detail", ".fix"];
    for (const sel of selectors) {
      for (const el of Array.from(document.querySelectorAll(sel)).slice(0, 20)) {
        const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < lowest.ratio) lowest = { ratio, what: sel };
      }
    }
    return lowest;
  });
}

const visibleTargets = (page) => page.$$eval("details.target", (ds) => ds.filter((d) => !d.hidden).map((d) => d.dataset.name));

async function livePage(browser, base) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(base + "/", { waitUntil: "load" });
  const names = await page.$$eval("details.target", (ds) => ds.map((d) => d.dataset.name));
  expect(names.length === 30, `30 targets on the page, saw ${names.length}`);
  expect(FAILING.every((n) => names.slice(0, 3).includes(n)), `the failing targets first, saw ${names.slice(0, 5)}`);
  const firstFolded = await page.$eval("details.target", (d) => !d.open && d.classList.contains("problem"));
  expect(firstFolded, "the first target folded and marked as a problem");
  const summaryLine = await page.textContent("details.target summary");
  expect(/NOT READY/.test(summaryLine) && /failing: /.test(summaryLine), `its summary names its failures: ${summaryLine}`);
  await page.screenshot({ path: path.join(outDir, "status-desktop.png") });
  await page.$$eval("details.target", (ds) => ds.slice(0, 4).forEach((d) => { d.open = true; }));
  let contrast = await lowestContrast(page);
  expect(contrast.ratio >= 4.5, `contrast of at least 4.5:1 in light, lowest ${contrast.ratio.toFixed(2)} (${contrast.what})`);
  await page.$$eval("details.target", (ds) => ds.slice(0, 4).forEach((d) => { d.open = false; }));

  // Filters.
  await page.selectOption("#f-status", "problem");
  let shown = await visibleTargets(page);
  expect(shown.length === 3 && FAILING.every((n) => shown.includes(n)), `3 targets with failures, saw ${shown}`);
  const rows = await page.$$eval("details.target:not([hidden]) tr[data-status]:not([hidden])",
    (rs) => rs.map((r) => r.dataset.status));
  expect(rows.length > 0 && rows.every((s) => s === "fail" || s === "error"), `only failing rows, saw ${rows}`);
  await page.selectOption("#f-status", "");
  await page.selectOption("#f-label", "team=checkout");
  shown = await visibleTargets(page);
  expect(shown.length === 10, `10 targets of team checkout, saw ${shown.length}`);
  await page.selectOption("#f-label", "");
  await page.fill("#f-q", "svc-07");
  shown = await visibleTargets(page);
  expect(shown.length === 1 && shown[0] === "svc-07", `the search finds svc-07 alone, saw ${shown}`);
  await page.fill("#f-q", "");
  expect((await visibleTargets(page)).length === 30, "every target again once the filters are cleared");
  expect(await page.textContent("#shown") === "", "no 'showing' line without a filter");

  // Keyboard: a folded target opens with Enter on its summary.
  const folded = await page.$("details.target:not([open])");
  const foldedName = await folded.evaluate((d) => d.dataset.name);
  await folded.$eval("summary", (s) => s.focus());
  await page.keyboard.press("Enter");
  expect(await folded.evaluate((d) => d.open), `Enter opens ${foldedName}`);

  // A refresh swaps the targets in and keeps the reader's place.
  await page.selectOption("#f-severity", "critical");
  const refreshed = await page.waitForFunction((old) => {
    return document.getElementById("targets") !== old && document.getElementById("targets") !== null;
  }, await page.$("#targets"), { timeout: 30000, polling: 250 }).then(() => true, () => false);
  expect(refreshed, "the page refreshed its targets within 30 s");
  const kept = await page.$eval(`details.target[data-name="${foldedName}"]`, (d) => d.open);
  expect(kept, `${foldedName} still open after the refresh`);
  expect(await page.inputValue("#f-severity") === "critical", "the severity filter kept");
  const severities = await page.$$eval("tr[data-status]:not([hidden])", (rs) => rs.map((r) => r.dataset.severity));
  expect(severities.length > 0 && severities.every((s) => s === "critical"), "the filter applied to the new rows");
  await page.selectOption("#f-severity", "");

  // A check's link opens its documentation (with the refresh paused, so that the link stays where it is).
  await page.uncheck("#auto-refresh");
  const link = page.locator("details.target.problem tr[data-status=fail] a").first();
  await link.evaluate((a) => { a.closest("details").open = true; });
  const id = (await link.textContent()).trim();
  await Promise.all([page.waitForURL(`**/checks/${id}`), link.click()]);
  expect((await page.textContent("h1")).trim() === id, `the page of ${id}`);
  expect((await page.content()).includes("Why it matters"), "the check's page says why it matters");
  await page.goBack();

  // Dark.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.reload({ waitUntil: "load" });
  await page.evaluate(() => window.scrollTo(0, 0));
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background === "rgb(13, 17, 23)", `a dark background, saw ${background}`);
  await page.screenshot({ path: path.join(outDir, "status-dark.png") });
  await page.$$eval("details.target", (ds) => ds.slice(0, 4).forEach((d) => { d.open = true; }));
  contrast = await lowestContrast(page);
  expect(contrast.ratio >= 4.5, `contrast of at least 4.5:1 in dark, lowest ${contrast.ratio.toFixed(2)} (${contrast.what})`);
  await context.close();

  // Phone width: nothing wider than the screen.
  const phone = await browser.newContext({ viewport: { width: 400, height: 860 }, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  watch(small, problems);
  await small.goto(base + "/", { waitUntil: "load" });
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  expect(width <= 400, `the page fits 400 px, it is ${width} px wide`);
  await small.screenshot({ path: path.join(outDir, "status-phone.png") });
  await small.screenshot({ path: path.join(outDir, "status-phone-full.png"), fullPage: true });
  await phone.close();

  // Without JavaScript: every target and check, no filters.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noscript = await plain.newPage();
  await noscript.goto(base + "/");
  expect(await noscript.$$eval("details.target", (ds) => ds.length) === 30, "30 targets without JavaScript");
  expect(!(await noscript.isVisible("#filters")), "no filters without JavaScript");
  await noscript.click("#targets > details:first-of-type summary");
  expect(await noscript.isVisible("#targets > details:first-of-type tr[data-status=error]"),
    "a click on a target's summary shows its failures without JavaScript");
  await plain.close();
  expect(problems.length === 0, `no console error or failed request on the live page:\n  ${problems.join("\n  ")}`);
}

async function report(browser, file) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watch(page, problems);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto("file://" + file, { waitUntil: "load" });
  const names = await page.$$eval("details.target", (ds) => ds.map((d) => d.dataset.name));
  expect(names.length === 30 && FAILING.every((n) => names.slice(0, 3).includes(n)), `the report's failing targets first, saw ${names.slice(0, 5)}`);
  await page.screenshot({ path: path.join(outDir, "report-desktop.png") });
  await page.selectOption("#f-status", "problem");
  expect((await visibleTargets(page)).length === 3, "the report's filters work");
  const link = await page.$("details.target.problem tr[data-status=fail] a");
  const href = await link.getAttribute("href");
  expect(href.startsWith("#check-"), `a check link inside the file, saw ${href}`);
  await link.click();
  await page.waitForFunction((h) => location.hash === h, href, { timeout: 5000 });
  const inView = await page.$eval(href.replace(/\./g, "\\."), (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  });
  expect(inView, `the documentation of ${href} in view`);
  const outside = requests.filter((u) => !u.startsWith("file://") && !u.startsWith("data:"));
  expect(outside.length === 0, `no request leaves the file, saw ${outside}`);
  await context.close();
  expect(problems.length === 0, `no console error on the report:\n  ${problems.join("\n  ")}`);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const healthy = await startBackend(backendBinary, "healthy");
  const notReady = await startBackend(backendBinary, "not-ready", ["--fault", "not-ready"]);
  const dead = await startBackend(backendBinary, "liveness-500", ["--fault", "liveness-500"]);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const teams = ["checkout", "catalog", "platform"];
  let targets = "";
  for (let i = 1; i <= 27; i++) {
    const name = `svc-${String(i).padStart(2, "0")}`;
    targets += `  - {name: ${name}, url: "${healthy}", labels: {env: prod, team: ${teams[i % 3]}}}\n`;
  }
  targets += `  - {name: orders, url: "${notReady}", labels: {team: checkout}}\n`;
  targets += `  - {name: payments, url: "${dead}", labels: {team: catalog}}\n`;
  targets += `  - {name: search, url: "${closed}", labels: {team: platform}}\n`;
  const config = path.join(work, "probity.yml");
  fs.writeFileSync(config, `global: {interval: 5s, timeout: 2s}\ntargets:\n${targets}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const agent = start("probity", [probity, "run", "--config", config, "--listen", `127.0.0.1:${port}`]);
  await waitFor("every target's first run", 60000, async () => (await httpGet(base + "/-/ready")).status === 200, [agent]);

  const reportFile = path.join(outDir, "report.html");
  const scan = start("scan", [probity, "scan", "--config", config, "--format", "html", "--output", reportFile]);
  await waitFor("the scan to end", 120000, () => scan.exited, []);
  if (scan.child.exitCode !== 3) await fail(`probity scan exited ${scan.child.exitCode}, expected 3 (not ready)`);

  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  try {
    await livePage(browser, base);
    await report(browser, reportFile);
  } finally {
    await browser.close();
  }
  await cleanup();
  log(`${checked} expectations met; screenshots in ${outDir}: ` +
      fs.readdirSync(outDir).filter((f) => f.endsWith(".png")).join(", "));
}

main().catch((e) => fail(e.message || String(e)));
