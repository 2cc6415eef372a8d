// Child processes for the node-driven tests (tests/dashboards/check-queries,
// tests/browser/status-page): started on loopback with their output in a work
// directory, waited for with bounded waits, and all ended on exit or signal.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");

// `tool` prefixes what is printed; the work directory is removed on cleanup
// unless KEEP_WORK is set.
function children(tool) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `probity-${tool}-`));
  const started = [];
  const log = (message) => console.log(`${tool}: ${message}`);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Starts a program with its output in WORK/NAME.log.
  function start(name, argv) {
    const logPath = path.join(work, `${name}.log`);
    const out = fs.openSync(logPath, "w");
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    const entry = { name, child, logPath, exited: false };
    child.on("exit", () => { entry.exited = true; });
    child.on("error", (e) => { entry.exited = true; entry.error = e; });
    started.push(entry);
    return entry;
  }

  let cleaning = null;
  let interrupted = false;
  // Ends every child (SIGTERM, SIGKILL after 5 s) and removes the work
  // directory; every caller waits for the same cleanup.
  function cleanup() {
    cleaning = cleaning || (async () => {
      for (const c of started) if (!c.exited) c.child.kill("SIGTERM");
      for (let i = 0; i < 50 && started.some((c) => !c.exited); i++) await sleep(100);
      for (const c of started) if (!c.exited) c.child.kill("SIGKILL");
      if (!process.env.KEEP_WORK) fs.rmSync(work, { recursive: true, force: true });
    })();
    return cleaning;
  }
  process.on("exit", () => {
    for (const c of started) if (!c.exited) c.child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      interrupted = true;
      log(`interrupted by ${signal}`);
      cleanup().finally(() => process.exit(1));
    });
  }

  function tail(entry, lines = 20) {
    try {
      return fs.readFileSync(entry.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  // Prints the failure and each child's last lines, cleans up, exits 1.
  async function fail(message) {
    if (interrupted) {
      // The children end because of the signal, not of a fault.
      await cleanup();
      process.exit(1);
    }
    console.log(`FAIL ${message}`);
    for (const c of started) console.log(`--- last lines of ${c.name}${c.exited ? " (exited)" : ""}:\n${tail(c)}`);
    await cleanup();
    process.exit(1);
  }

  // A port that was free a moment ago on 127.0.0.1.
  function freePort() {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
    });
  }

  // Polls `predicate` every 250 ms until it returns a truthy value (which is
  // returned), at most `deadlineMs`; fails if one of `entries` exits first.
  async function waitFor(what, deadlineMs, predicate, entries = []) {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
      const dead = entries.find((e) => e.exited);
      if (dead) await fail(`${dead.name} exited while waiting for ${what}`);
      try {
        const value = await predicate();
        if (value) return value;
      } catch {
        // Not up yet.
      }
      await sleep(250);
    }
    return fail(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
  }

  async function httpGet(url) {
    const response = await fetch(url, { signal: AbortSignal.timeout(10000) });
    return { status: response.status, text: await response.text() };
  }

  // A sample backend with `faults`; resolves to its base URL.
  async function startBackend(binary, name, faults = []) {
    const entry = start(name, [binary, "--listen", "127.0.0.1:0", ...faults]);
    return waitFor(`${name} to listen`, 10000, () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(tail(entry, 5));
      return m && m[1];
    }, [entry]);
  }

  return { work, log, sleep, start, cleanup, tail, fail, freePort, waitFor, httpGet, startBackend };
}

module.exports = { children };
