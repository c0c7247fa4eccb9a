// Helpers for the end-to-end tests: start and stop a real guestpass server,
// write App Services style app directories, and send raw HTTP requests.
//
// Server output contract (stdout; logs go to stderr):
//   guestpass app id=<client_app_id> name=<name>      one line per app
//   guestpass listening on http://127.0.0.1:<port>    exactly once, last
//
// Every process started here is killed when the test process exits, and every
// temporary directory created here is removed then, so a crashing test file
// leaves nothing behind. Every server's log is checked for the secrets the
// tests sent and received through request() (lib/leaks.mjs).
//
// PostgreSQL: with GUESTPASS_TEST_PG_URL set (a postgresql:// URL of a
// throwaway cluster, as tests/postgres/cluster.sh prints and scripts/test.sh
// sets), every server runs on PostgreSQL: a data directory gets a database
// of its own (created at its first start, named after the directory), so a
// restart on the same data directory finds its data again and other servers
// start empty, as with SQLite. The databases go with the cluster. With
// GUESTPASS_TEST_FROM_SQLITE=1 as well, each database is migrated from a
// SQLite store a first server made (see FROM_SQLITE below).

import { execFile, execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

import { noteAuthorization, noteSecret, noteSecretsIn, watchLog, watchStore } from "./leaks.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "..", "..", "..");
export const GUESTPASS_BIN =
  process.env.GUESTPASS_BIN || path.join(REPO_ROOT, "build", "guestpass");

export const API = "/api/client/v2.0";

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 10_000;

const liveProcs = new Set();
const tempDirs = new Set();

process.on("exit", () => {
  for (const proc of liveProcs) {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
});

/** The tests' PostgreSQL (a postgresql:// URL), or "" to run on SQLite. */
export const TEST_PG_URL = process.env.GUESTPASS_TEST_PG_URL || "";
/**
 * GUESTPASS_TEST_FROM_SQLITE=1 (with GUESTPASS_TEST_PG_URL): every server's
 * database is a migrated one. A new data directory's store is first made by a
 * server on SQLite, then copied by `guestpass migrate-store` (issue 14).
 */
const FROM_SQLITE = TEST_PG_URL !== "" && process.env.GUESTPASS_TEST_FROM_SQLITE === "1";

const createdDatabases = new Set();

/**
 * The PostgreSQL connection string of `dataDir`'s database (created when
 * missing), or "" when the tests run on SQLite. Pass it to guestpass
 * commands as --database (startServer does).
 */
export function databaseFor(dataDir) {
  if (!TEST_PG_URL) return "";
  const name = "gp_" + crypto.createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 20);
  if (!createdDatabases.has(name)) {
    const exists = execFileSync("psql", [TEST_PG_URL, "-Atqc", `SELECT 1 FROM pg_database WHERE datname = '${name}'`], {
      encoding: "utf8",
    });
    if (exists.trim() !== "1") execFileSync("psql", [TEST_PG_URL, "-qc", `CREATE DATABASE ${name}`]);
    createdDatabases.add(name);
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = "/" + name;
  return url.toString();
}

/** Creates a temporary directory that is removed when the test process exits. */
export async function makeTempDir(prefix = "guestpass-it-") {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * Writes an app directory in the App Services export layout:
 *   root_config.json    {"app_id": appId, "name": name}
 *   auth/providers.json providers
 * Returns its path.
 */
export async function makeAppDir({
  appId,
  name,
  providers = {
    "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
  },
}) {
  const dir = await makeTempDir("guestpass-app-");
  await fsp.writeFile(
    path.join(dir, "root_config.json"),
    JSON.stringify({ app_id: appId, name }, null, 2) + "\n",
  );
  await fsp.mkdir(path.join(dir, "auth"), { recursive: true });
  await fsp.writeFile(
    path.join(dir, "auth", "providers.json"),
    JSON.stringify(providers, null, 2) + "\n",
  );
  return dir;
}

/**
 * Starts `guestpass serve` on an ephemeral port; `database` (a connection
 * string) runs it on that PostgreSQL database instead of the default one.
 * Resolves with {url, apps, dataDir, database, proc, stop(), stderr(), stdout(), waitForStderr()}
 * (`database`: its --database, "" on SQLite) once the listening line has been printed.
 * `args` are added to serve's; `prefix` is a command that execs the server
 * (["prlimit", "--nofile=48:48"]).
 */
export async function startServer({ dataDir, appDirs = [], env = {}, database, args: extraArgs = [], prefix = [] } = {}) {
  if (!fs.existsSync(GUESTPASS_BIN)) {
    throw new Error(
      `guestpass binary not found at ${GUESTPASS_BIN} (build it, or set GUESTPASS_BIN)`,
    );
  }
  if (!dataDir) dataDir = await makeTempDir("guestpass-data-");

  const args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir];
  if (database === undefined) database = databaseFor(dataDir);
  if (FROM_SQLITE && database && !fs.existsSync(path.join(dataDir, "guestpass.db"))) {
    // The store is made on SQLite first (same app directories and environment), then
    // copied into the empty database by `guestpass migrate-store`; the server runs on the copy.
    const first = await startServer({ dataDir, appDirs, env, database: "" });
    await first.stop();
    execFileSync(GUESTPASS_BIN, ["migrate-store", "--from", dataDir, "--to", database], { stdio: ["ignore", "ignore", "pipe"] });
  }
  if (database) args.push("--database", database);
  for (const d of appDirs) args.push("--app-dir", d);
  // Debug: every refused request is logged too, so lib/leaks.mjs checks those lines as well.
  args.push("--log-level", "debug", ...extraArgs);

  // `prefix` runs the server under another command that execs it (prlimit ...).
  const proc = spawn(prefix.length ? prefix[0] : GUESTPASS_BIN, prefix.length ? [...prefix.slice(1), GUESTPASS_BIN, ...args] : args, {
    // Sign-up limits are off unless a test sets them: suites make hundreds of
    // anonymous logins from 127.0.0.1 (rate_limit.test.mjs tests the limits).
    // Likewise failed logins: suites fail many on purpose (guessing.test.mjs
    // tests the throttle).
    env: {
      ...process.env,
      GUESTPASS_SIGNUPS_PER_HOUR: "0",
      GUESTPASS_LOGIN_FAILURES_PER_ACCOUNT: "1000",
      GUESTPASS_LOGIN_FAILURES_PER_ADDRESS: "100000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  liveProcs.add(proc);

  let stderrBuf = "";
  let stdoutBuf = "";
  for (const name of ["GUESTPASS_ADMIN_PASSWORD", "GUESTPASS_MASTER_KEY"]) noteSecret(env[name]);
  watchLog(`the server on ${dataDir}`, () => stderrBuf + "\n" + stdoutBuf); // lib/leaks.mjs: no secret in its log
  watchStore(dataDir, database); // nor in plain text in its files or database
  const stderrWaiters = new Set();
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (chunk) => {
    stderrBuf += chunk;
    for (const w of stderrWaiters) w();
  });

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    proc.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      liveProcs.delete(proc);
      resolve(exitInfo);
    });
  });
  // A failing spawn (e.g. EACCES) emits 'error' and possibly no 'exit'.
  const spawnError = new Promise((resolve) => proc.on("error", resolve));

  const apps = [];
  const rl = readline.createInterface({ input: proc.stdout });

  const ready = new Promise((resolve, reject) => {
    rl.on("line", (line) => {
      stdoutBuf += line + "\n";
      let m = /^guestpass app id=(\S+) name=(.*)$/.exec(line);
      if (m) {
        apps.push({ id: m[1], name: m[2] });
        return;
      }
      m = /^guestpass listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      if (m) resolve(m[1]);
    });
    exited.then(({ code, signal }) =>
      reject(
        new Error(
          `guestpass exited before listening (code=${code} signal=${signal})\n` +
            `args: ${args.join(" ")}\nstdout:\n${stdoutBuf}\nstderr:\n${stderrBuf}`,
        ),
      ),
    );
    spawnError.then((err) =>
      reject(new Error(`could not spawn ${GUESTPASS_BIN}: ${err.message}`)),
    );
  });

  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `guestpass did not print its listening line within ${START_TIMEOUT_MS} ms\n` +
              `args: ${args.join(" ")}\nstdout:\n${stdoutBuf}\nstderr:\n${stderrBuf}`,
          ),
        ),
      START_TIMEOUT_MS,
    );
  });

  let url;
  try {
    url = await Promise.race([ready, timeout]);
  } catch (err) {
    if (!exitInfo) {
      proc.kill("SIGKILL");
      await exited;
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }

  async function stop() {
    if (exitInfo) return exitInfo.code;
    proc.kill("SIGTERM");
    const killTimer = setTimeout(() => {
      if (!exitInfo) proc.kill("SIGKILL");
    }, STOP_GRACE_MS);
    const { code } = await exited;
    clearTimeout(killTimer);
    return code;
  }

  /** Kills the server with SIGKILL (a crash: no shutdown code runs); resolves with exit info. */
  async function crash() {
    if (exitInfo) return exitInfo;
    proc.kill("SIGKILL");
    return exited;
  }

  /** Sends SIGTERM without waiting; `stop()` then waits for the exit. */
  function terminate() {
    if (!exitInfo) proc.kill("SIGTERM");
  }

  /** Resolves with stderr once `pattern` (string or RegExp) occurs; rejects after timeoutMs. */
  function waitForStderr(pattern, timeoutMs = 3000) {
    const matches = () =>
      typeof pattern === "string"
        ? stderrBuf.includes(pattern)
        : pattern.test(stderrBuf);
    if (matches()) return Promise.resolve(stderrBuf);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (matches()) {
          clearTimeout(t);
          stderrWaiters.delete(check);
          resolve(stderrBuf);
        }
      };
      const t = setTimeout(() => {
        stderrWaiters.delete(check);
        reject(
          new Error(
            `stderr did not match ${pattern} within ${timeoutMs} ms; stderr:\n${stderrBuf}`,
          ),
        );
      }, timeoutMs);
      stderrWaiters.add(check);
    });
  }

  return {
    url,
    apps,
    dataDir,
    database,
    proc,
    stop,
    crash,
    terminate,
    stderr: () => stderrBuf,
    stdout: () => stdoutBuf,
    waitForStderr,
    exitInfo: () => exitInfo,
  };
}

/**
 * Raw HTTP request with global fetch. `json` (any value) is sent as an
 * application/json body; `body` is sent as is. Never follows redirects.
 * Resolves with {status, headers, text, json, contentType}; json is the parsed
 * body when the content type starts with application/json and the body is
 * non-empty, else undefined.
 */
export async function request(url, { method = "GET", headers = {}, json, body, timeoutMs = 10_000 } = {}) {
  const h = { ...headers };
  // lib/leaks.mjs: what this sends and receives of secrets must not reach a server's log.
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === "authorization") noteAuthorization(v);
  noteSecretsIn(json);
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
      h["Content-Type"] = "application/json";
    }
  }
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: h,
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = err.cause ? ` (cause: ${err.cause.code || err.cause.message || err.cause})` : "";
    throw new Error(`${method} ${url} failed: ${err.message}${cause}`);
  }
  const text = await res.text();
  const contentType = res.headers.get("content-type");
  let parsed;
  if (contentType && contentType.startsWith("application/json") && text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  noteSecretsIn(parsed);
  return { status: res.status, headers: res.headers, text, json: parsed, contentType, method, url };
}

/** Short description of a response for assertion messages. */
export function show(res) {
  const body = res.text.length > 300 ? res.text.slice(0, 300) + "..." : res.text;
  return `${res.method} ${res.url} -> ${res.status} content-type=${res.contentType} body=${body}`;
}

/** Decodes the payload segment of a JWT (no signature check). */
export function decodeJwtPayload(token) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error(`not a 3-part JWT: ${token}`);
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

/** A token whose payload segment has one character changed (still valid base64url). */
export function tamperPayload(token) {
  const [h, p, s] = token.split(".");
  const i = Math.floor(p.length / 2);
  const c = p[i] === "A" ? "B" : "A";
  return `${h}.${p.slice(0, i)}${c}${p.slice(i + 1)}.${s}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** URL helpers. */
export const routes = {
  location: (base, appId) => `${base}${API}/app/${encodeURIComponent(appId)}/location`,
  login: (base, appId, provider = "anon-user") =>
    `${base}${API}/app/${encodeURIComponent(appId)}/auth/providers/${provider}/login`,
  profile: (base) => `${base}${API}/auth/profile`,
  session: (base) => `${base}${API}/auth/session`,
  del: (base) => `${base}${API}/auth/delete`,
  apiKeys: (base) => `${base}${API}/auth/api_keys`,
  apiKey: (base, keyId) => `${base}${API}/auth/api_keys/${encodeURIComponent(keyId)}`,
  link: (base, appId, provider) =>
    `${base}${API}/app/${encodeURIComponent(appId)}/auth/providers/${provider}/login?link=true`,
};

/** Raw anonymous login; returns the response. */
export function rawAnonLogin(base, appId, body = { options: { device: { sdkVersion: "2.0.1", platform: "node", platformVersion: "20" } } }, headers = {}) {
  return request(routes.login(base, appId), { method: "POST", json: body, headers });
}

/**
 * Anonymous logins from `workers` clients at once until stop(), which
 * resolves with every answer: {status, json, ms, at} (status 0 and `error`
 * when the request failed; a non-200 waits 20 ms before the next). For the
 * fault tests: load while a database goes away.
 */
export function loginLoad(server, workers = 4) {
  const appId = server.apps[0].id;
  const answers = []; // {status, json, ms, at}
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const t0 = Date.now();
      let res;
      try {
        res = await rawAnonLogin(server.url, appId, undefined, {});
      } catch (err) {
        answers.push({ status: 0, error: String(err), ms: Date.now() - t0, at: t0 });
        continue;
      }
      answers.push({ status: res.status, json: res.json, ms: Date.now() - t0, at: t0 });
      if (res.status !== 200) await sleep(20);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, worker));
  return {
    answers,
    async stop() {
      stopped = true;
      await running;
      return answers;
    },
  };
}

/**
 * `guestpass keys ARGS` (list, rotate, retire) on a server's store, with the
 * master key file given (default: the server's own); resolves with
 * {code, stdout, stderr}.
 */
export async function keysCommand(server, args, masterKeyFile = path.join(server.dataDir, "master.key")) {
  const store = ["--data-dir", server.dataDir, "--master-key-file", masterKeyFile];
  if (server.database) store.push("--database", server.database);
  return new Promise((resolve) => {
    execFile(GUESTPASS_BIN, ["keys", ...args, ...store], (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }),
    );
  });
}
