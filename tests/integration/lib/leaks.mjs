// leaks.mjs: no secret a test used may show up in a server's log, or in
// plain text in its data directory or database. Every end-to-end file that
// starts servers through lib/server.mjs gets this check: request() notes the
// secrets it sends and receives (passwords, API keys, custom JWTs, secret
// values, bearer and refresh tokens, access tokens), each server's stderr
// and stdout are kept, and a root `after` hook fails the file if any noted
// secret occurs in any of them (the one line that shows a secret on purpose,
// the admin password generated at a first start, is left out), or in any file
// of a server's data directory (the master key file aside: it is the key), or
// in a pg_dump of its PostgreSQL database. So the whole integration run is
// searched for every secret it used, on both back ends, without each test
// having to ask.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after } from "node:test";
import assert from "node:assert/strict";

const secrets = new Set();
const logs = []; // {name, read(): string}
const stores = []; // {dataDir, database}

// Shorter values (a "1" in a body) would match by chance.
const MIN_LENGTH = 8;
// Request and response fields that hold secrets, at any depth.
const SECRET_FIELDS = new Set(["password", "key", "token", "value", "access_token", "refresh_token", "secret"]);

/** Notes `value` (a string) as a secret no log may contain. */
export function noteSecret(value) {
  if (typeof value === "string" && value.length >= MIN_LENGTH) secrets.add(value);
}

/** Notes the secret-bearing fields of a JSON value (a request or response body). */
export function noteSecretsIn(json, depth = 0) {
  if (depth > 8 || json === null || typeof json !== "object") return;
  for (const [k, v] of Object.entries(json)) {
    if (SECRET_FIELDS.has(k)) noteSecret(v);
    if (v !== null && typeof v === "object") noteSecretsIn(v, depth + 1);
  }
}

/** Notes the credential of an Authorization header value ("Bearer <token>", "Basic <b64>"). */
export function noteAuthorization(value) {
  if (typeof value !== "string") return;
  const m = /^\s*\S+\s+(\S+)\s*$/.exec(value);
  if (m) noteSecret(m[1]);
}

/** Registers a log to check: `read()` returns its whole text so far. */
export function watchLog(name, read) {
  logs.push({ name, read });
}

/** Registers a server's data directory and its PostgreSQL database ("" on SQLite) to check. */
export function watchStore(dataDir, database) {
  if (!stores.some((s) => s.dataDir === dataDir && s.database === database)) stores.push({ dataDir, database });
}

function filesUnder(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // removed by its test
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** The noted secrets found at rest in the watched stores: [{secret, where}]. */
export function findAtRest() {
  const found = [];
  const search = (bytes, where) => {
    for (const secret of secrets) if (bytes.indexOf(secret) >= 0) found.push({ secret, where });
  };
  for (const { dataDir, database } of stores) {
    for (const file of filesUnder(dataDir)) {
      if (path.basename(file) === "master.key") continue; // the key itself, kept apart from backups
      search(fs.readFileSync(file), file);
    }
    if (database) {
      let dump = "";
      try {
        dump = execFileSync("pg_dump", ["--data-only", database], { encoding: "utf8", maxBuffer: 1 << 30 });
      } catch (err) {
        // Dropped by its test, or gone with a cluster the test made and removed (its own check then).
        if (!/does not exist|Connection refused/.test(String(err.stderr))) throw err;
      }
      search(dump, `pg_dump of ${database}`);
    }
  }
  return found;
}

// Lines that show a secret by design: the generated first admin password.
const SHOWN_ON_PURPOSE = /^guestpass admin user=\S+ password=/;

/** The noted secrets found in the watched logs: [{secret, log, line}]. */
export function findLeaks() {
  const found = [];
  for (const { name, read } of logs) {
    const text = read()
      .split("\n")
      .filter((line) => !SHOWN_ON_PURPOSE.test(line))
      .join("\n");
    for (const secret of secrets) {
      const at = text.indexOf(secret);
      if (at < 0) continue;
      const start = text.lastIndexOf("\n", at) + 1;
      const end = text.indexOf("\n", at);
      found.push({ secret, log: name, line: text.slice(start, end < 0 ? undefined : end) });
    }
  }
  return found;
}

after(() => {
  const leaks = findLeaks();
  const shown = leaks.slice(0, 5).map((l) => `${l.log}: "${l.secret.slice(0, 12)}..." in: ${l.line.slice(0, 300)}`);
  assert.equal(leaks.length, 0, `${leaks.length} secrets used by this file's tests are in a server's log:\n${shown.join("\n")}`);
  const atRest = findAtRest();
  const where = atRest.slice(0, 5).map((l) => `"${l.secret.slice(0, 12)}..." in ${l.where}`);
  assert.equal(atRest.length, 0, `${atRest.length} secrets used by this file's tests are stored in plain text:\n${where.join("\n")}`);
});
