// End-to-end test of `guestpass migrate-store` (issue 14): a SQLite data
// directory filled by a real server (realm-web logins: anonymous, email/password,
// a linked API key, a custom JWT whose signing key is a secret sealed with the
// master key; a deleted user) and by guestpass-seed (3,000 anonymous users) is
// copied into a new PostgreSQL database, killed halfway and resumed; a server
// started on the copy with the same master key and signing keys then
// refreshes the tokens issued before, logs the same users in, and passes
// realm-web's basics. A database holding another store is refused.
//
// Runs when GUESTPASS_TEST_PG_URL is set (scripts/test.sh sets it).
// Run: GUESTPASS_TEST_PG_URL=postgresql://... GUESTPASS_BIN=/path/to/guestpass node --test migrate_store.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import * as Realm from "realm-web";

import {
  GUESTPASS_BIN,
  TEST_PG_URL,
  databaseFor,
  decodeJwtPayload,
  makeAppDir,
  makeTempDir,
  rawAnonLogin,
  request,
  routes,
  show,
  startServer,
  API,
} from "./lib/server.mjs";
import { MemoryStorage, bearer, withTimeout } from "./lib/realm_assert.mjs";

const execFileAsync = promisify(execFile);
const T = { timeout: 180_000, skip: TEST_PG_URL ? false : "GUESTPASS_TEST_PG_URL is not set (PostgreSQL tests)" };
const SEED_BIN = path.join(path.dirname(GUESTPASS_BIN), "guestpass-seed");
const HEX24 = /^[0-9a-f]{24}$/;

const APP_ID = "migrate-abcde";
const PASSWORD = "admin-password-for-migrate-store";
const JWT_KEY = "migrate-jwt-key-" + randomUUID(); // given inline: the server keeps it as a secret
const JWT_AUDIENCE = "guestpass-migrate";
const SEEDED = 3000;

const PROVIDERS = {
  "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
  "local-userpass": { name: "local-userpass", type: "local-userpass", disabled: false, config: { autoConfirm: true } },
  "api-key": { name: "api-key", type: "api-key", disabled: false },
  "custom-token": {
    name: "custom-token",
    type: "custom-token",
    disabled: false,
    config: { signingAlgorithm: "HS256", signingKeys: [JWT_KEY], audience: [JWT_AUDIENCE] },
  },
};

// The tools never take GUESTPASS_DATABASE from the test's environment: the
// source is SQLite, whatever the other suites do.
const toolEnv = () => {
  const env = { ...process.env };
  delete env.GUESTPASS_DATABASE;
  return env;
};

function signJwt(sub) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, aud: JWT_AUDIENCE, iat: now, exp: now + 600 })}`;
  return `${input}.${createHmac("sha256", JWT_KEY).update(input).digest("base64url")}`;
}

/** Runs `guestpass migrate-store`; resolves with {code, signal, stdout, stderr}. `onLine` sees each stdout line and may kill it. */
function migrate(args, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(GUESTPASS_BIN, ["migrate-store", ...args], { env: toolEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (chunk) => {
      stdout += chunk;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl), proc);
        pending = pending.slice(nl + 1);
      }
    });
    proc.stderr.on("data", (chunk) => (stderr += chunk));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The TABLE/SQLITE/POSTGRESQL lines of a report: {table: [sqlite, pg]}. */
function counts(stdout) {
  const out = {};
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => /^TABLE\s+SQLITE\s+POSTGRESQL/.test(l));
  assert.ok(start >= 0, `no count table in:\n${stdout}`);
  for (const line of lines.slice(start + 1)) {
    const m = /^(\w+)\s+(\d+)\s+(\d+)/.exec(line);
    if (!m) break;
    out[m[1]] = [Number(m[2]), Number(m[3])];
  }
  return out;
}

const login = (url, provider, json) => request(routes.login(url, APP_ID, provider), { method: "POST", json });
const newApp = (url) => new Realm.App({ id: APP_ID, baseUrl: url, storage: new MemoryStorage() });

test("migrate-store: a SQLite store made by a server and the seed tool, copied, interrupted, resumed and served from PostgreSQL", T, async () => {
  // ---- The SQLite store: a server's users, then the seed tool's ----
  const dataDir = await makeTempDir("guestpass-migrate-src-");
  const appDir = await makeAppDir({ appId: APP_ID, name: "migrate", providers: PROVIDERS });
  const before = {};
  let server = await startServer({ dataDir, appDirs: [appDir], database: "", env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  try {
    const anon = await rawAnonLogin(server.url, APP_ID);
    assert.equal(anon.status, 200, show(anon));
    before.anon = anon.json;

    const email = `migrated-${randomUUID().slice(0, 8)}@example.test`;
    const password = "pw-" + randomUUID().slice(0, 12);
    const registered = await request(`${server.url}${API}/app/${APP_ID}/auth/providers/local-userpass/register`, {
      method: "POST",
      json: { email, password },
    });
    assert.equal(registered.status, 201, show(registered));
    const user = await newApp(server.url).logIn(Realm.Credentials.emailPassword(email, password));
    const key = await user.apiKeys.create("migrated-key");
    await withTimeout(user.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");
    before.email = { email, password, userId: user.id, refreshToken: user.refreshToken, key: key.key };

    const jwt = await login(server.url, "custom-token", { token: signJwt("migrated-sub") });
    assert.equal(jwt.status, 200, show(jwt));
    before.jwtUserId = jwt.json.user_id;

    // A deleted user leaves an audit event.
    const doomed = await rawAnonLogin(server.url, APP_ID);
    const deleted = await request(routes.del(server.url), { method: "DELETE", headers: bearer(doomed.json.access_token) });
    assert.equal(deleted.status, 204, show(deleted));
    before.deletedUserId = doomed.json.user_id;
  } finally {
    await server.stop();
  }
  await execFileAsync(SEED_BIN, ["--data-dir", dataDir, "--users", String(SEEDED)], { env: toolEnv() });

  // ---- The copy, killed while it copies sessions, then resumed ----
  const url = databaseFor(await makeTempDir("guestpass-migrate-db-"));
  const args = ["--from", dataDir, "--to", url, "--batch-size", "20"];
  // (A line every 50 batches of 20 rows: "  sessions: 1000 of 3004 rows", once they are committed.)
  const killed = await migrate(args, (line, proc) => {
    if (/^  sessions: \d+ of \d+ rows$/.test(line)) proc.kill("SIGKILL");
  });
  assert.equal(killed.signal, "SIGKILL", `the first run was to be killed halfway:\n${killed.stdout}\n${killed.stderr}`);
  assert.doesNotMatch(killed.stdout, /verified/);

  const resumed = await migrate(args);
  assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.match(resumed.stdout, /resuming: the PostgreSQL database holds an interrupted copy/);
  assert.match(resumed.stdout, /copying sessions: \d+ rows \(\d+ already there\)/);
  assert.match(resumed.stdout, /verified: every table has as many rows in PostgreSQL as in SQLite/);
  assert.match(resumed.stdout, /the master key .*master\.key: start each server with it \(--master-key-file/);
  assert.match(resumed.stdout, /the token signing keys were copied, sealed with that master key/);
  assert.ok(!resumed.stdout.includes("postgres@"), "the connection string is never printed whole");
  const copied = counts(resumed.stdout);
  for (const [table, [sqlite, pg]] of Object.entries(copied)) assert.equal(pg, sqlite, table);
  for (const table of ["apps", "users", "sessions", "identities", "api_keys", "userpass_accounts", "audit_events", "secrets", "deployments", "log_events", "signing_keys"])
    assert.ok(copied[table]?.[0] > 0, `${table} was copied and is not empty: ${JSON.stringify(copied)}`);
  assert.ok(copied.users[0] > SEEDED, JSON.stringify(copied));
  assert.ok(copied.sessions[0] > SEEDED, JSON.stringify(copied));

  // Running it again on the complete copy finds nothing to do and verifies again.
  const again = await migrate(args);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  assert.deepEqual(counts(again.stdout), copied);

  // A database holding this store is refused as the target of another one.
  const otherDir = await makeTempDir("guestpass-migrate-other-");
  await execFileAsync(SEED_BIN, ["--data-dir", otherDir, "--users", "5"], { env: toolEnv() });
  const refused = await migrate(["--from", otherDir, "--to", url]);
  assert.equal(refused.code, 1, `${refused.stdout}\n${refused.stderr}`);
  assert.match(refused.stderr, /the PostgreSQL database is not empty: .*nothing was written/s);
  assert.deepEqual(counts((await migrate(args)).stdout), copied, "the refused copy wrote nothing");

  // ---- Serving the copy ----
  // Without the master key, the sealed signing keys (and secrets) cannot be opened.
  await assert.rejects(startServer({ dataDir: await makeTempDir(), database: url }), /does not open with this master key/);

  const pgDataDir = await makeTempDir("guestpass-migrate-pg-");
  server = await startServer({
    dataDir: pgDataDir,
    database: url,
    args: ["--master-key-file", path.join(dataDir, "master.key")],
  });
  try {
    assert.ok(server.apps.some((a) => a.id === APP_ID), server.stdout());

    // Tokens issued by the SQLite server refresh on PostgreSQL.
    for (const [what, token, userId] of [
      ["anonymous", before.anon.refresh_token, before.anon.user_id],
      ["email/password", before.email.refreshToken, before.email.userId],
    ]) {
      const refreshed = await request(routes.session(server.url), { method: "POST", headers: bearer(token) });
      assert.equal(refreshed.status, 201, `${what}: ${show(refreshed)}`);
      assert.equal(decodeJwtPayload(refreshed.json.access_token).sub, userId, what);
      const profile = await request(routes.profile(server.url), { headers: bearer(refreshed.json.access_token) });
      assert.equal(profile.status, 200, `${what}: ${show(profile)}`);
      assert.equal(profile.json.user_id, userId, what);
    }
    // The same users log in: email/password, the linked API key, the custom JWT (its key a secret).
    const byEmail = await login(server.url, "local-userpass", { username: before.email.email, password: before.email.password });
    assert.equal(byEmail.status, 200, show(byEmail));
    assert.equal(byEmail.json.user_id, before.email.userId);
    const byKey = await newApp(server.url).logIn(Realm.Credentials.apiKey(before.email.key));
    assert.equal(byKey.id, before.email.userId);
    const byJwt = await login(server.url, "custom-token", { token: signJwt("migrated-sub") });
    assert.equal(byJwt.status, 200, show(byJwt));
    assert.equal(byJwt.json.user_id, before.jwtUserId);
    // The administrator's password and the audit log came along.
    const admin = await request(`${server.url}/api/admin/v3.0/auth/providers/local-userpass/login`, {
      method: "POST",
      json: { username: "admin", password: PASSWORD },
    });
    assert.equal(admin.status, 200, show(admin));
    const { stdout: audit } = await execFileAsync(GUESTPASS_BIN, ["audit", "--app", APP_ID, "--database", url], {
      env: toolEnv(),
    });
    assert.match(audit, new RegExp(`user\\.delete\\s+${before.deletedUserId}`));

    // realm-web's basics on the migrated database.
    const app = newApp(server.url);
    const anon = await app.logIn(Realm.Credentials.anonymous());
    assert.match(anon.id, HEX24);
    await anon.refreshProfile();
    assert.equal(anon.identities[0].providerType, "anon-user");
    await anon.refreshAccessToken();
    const email = `after-${randomUUID().slice(0, 8)}@example.test`;
    await app.emailPasswordAuth.registerUser({ email, password: "after-password" });
    await withTimeout(anon.linkCredentials(Realm.Credentials.emailPassword(email, "after-password")), "linkCredentials");
    assert.deepEqual(anon.identities.map((i) => i.providerType), ["anon-user", "local-userpass"]);
    await anon.logOut();
    const back = await newApp(server.url).logIn(Realm.Credentials.emailPassword(email, "after-password"));
    assert.equal(back.id, anon.id);
    const fresh = await rawAnonLogin(server.url, APP_ID);
    assert.equal(fresh.status, 200, show(fresh));
    const out = await request(routes.session(server.url), { method: "DELETE", headers: bearer(fresh.json.refresh_token) });
    assert.equal(out.status, 204, show(out));
  } finally {
    await server.stop();
  }
});
