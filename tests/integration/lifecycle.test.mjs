// End-to-end tests of the anonymous-user lifecycle (issue 4) on the running
// server: refresh tokens on day 59 and day 61, a user active on day 89 kept
// and one idle for 91 days deleted by the background job (linked users never),
// `guestpass users expire [--dry-run]` and `guestpass audit`, tokens of a user
// deleted by the command-line tool beside a live server, the anonymous-user
// cap, logins answering while the job deletes 100,000 expired users, and a
// run cut short by a shutdown finished by the next start, two servers on
// one store running the job once between them, and audit events aged out by
// --audit-retention-days.
//
// Days pass by restarting the server on the same data directory with
// GUESTPASS_TEST_CLOCK_OFFSET_SECONDS (a testing-only clock offset).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import * as Realm from "realm-web";

import { GUESTPASS_BIN, databaseFor, makeAppDir, makeTempDir, rawAnonLogin, request, routes, show, sleep, startServer } from "./lib/server.mjs";
import { MemoryStorage, bearer } from "./lib/realm_assert.mjs";

const execFileAsync = promisify(execFile);
/** Runs a guestpass binary; on PostgreSQL (GUESTPASS_TEST_PG_URL) with the database of its --data-dir. */
function run(bin, args, options = {}) {
  const i = args.indexOf("--data-dir");
  const database = i >= 0 ? databaseFor(args[i + 1]) : "";
  const env = { ...(options.env || process.env), ...(database ? { GUESTPASS_DATABASE: database } : {}) };
  return execFileAsync(bin, args, { ...options, env });
}
const DAY = 86400;
const T = { timeout: 60_000 };
const SEED_BIN = path.join(path.dirname(GUESTPASS_BIN), "guestpass-seed");

const PROVIDERS = {
  "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
  "api-key": { name: "api-key", type: "api-key", disabled: false },
};

async function appDir(appId, settings) {
  const dir = await makeAppDir({ appId, name: appId.split("-")[0], providers: PROVIDERS });
  if (settings !== undefined) await fs.writeFile(path.join(dir, "guestpass.json"), JSON.stringify(settings));
  return dir;
}

/** Starts the server `days` days in the future, polling inactivity every second. */
function startAt(days, { dataDir, appDirs, env = {} }) {
  return startServer({
    dataDir,
    appDirs,
    env: {
      GUESTPASS_TEST_CLOCK_OFFSET_SECONDS: String(Math.round(days * DAY)),
      GUESTPASS_INACTIVITY_INTERVAL: "1",
      ...env,
    },
  });
}

/** Runs the guestpass tool `days` days in the future. */
async function tool(days, args) {
  const { stdout } = await run(GUESTPASS_BIN, args, {
    env: { ...process.env, GUESTPASS_TEST_CLOCK_OFFSET_SECONDS: String(Math.round(days * DAY)) },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function auditEvents(dataDir, appId, days = 0) {
  const out = await tool(days, ["audit", "--app", appId, "--data-dir", dataDir, "--json", "--limit", "1000000"]);
  return out.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

const refresh = (server, refreshToken) =>
  request(routes.session(server.url), { method: "POST", headers: bearer(refreshToken) });

async function login(server, appId) {
  const res = await rawAnonLogin(server.url, appId);
  assert.equal(res.status, 200, show(res));
  return res.json;
}

/** Polls until `check` returns true (the job runs every second). */
async function eventually(check, label, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${label}`);
    await sleep(100);
  }
}

test("a refresh on day 59 works; on day 61 it is 401 InvalidSession and realm-web logs the user out", T, async () => {
  const appId = "expiry-abcde";
  const appDirs = [await appDir(appId, { anonymous: { session_expiry: "fixed" } })]; // 60 days, as any provider
  const dataDir = await makeTempDir("guestpass-data-");
  const storage = new MemoryStorage();

  let server = await startAt(0, { dataDir, appDirs });
  let user;
  try {
    const app = new Realm.App({ id: appId, baseUrl: server.url, storage });
    user = await app.logIn(Realm.Credentials.anonymous());
  } finally {
    await server.stop();
  }

  server = await startAt(59, { dataDir, appDirs });
  try {
    const res = await refresh(server, user.refreshToken);
    assert.equal(res.status, 201, show(res));
  } finally {
    await server.stop();
  }

  server = await startAt(61, { dataDir, appDirs });
  try {
    const res = await refresh(server, user.refreshToken);
    assert.equal(res.status, 401, show(res));
    assert.equal(res.json?.error_code, "InvalidSession", show(res));

    const app = new Realm.App({ id: appId, baseUrl: server.url, storage });
    const restored = app.currentUser;
    assert.equal(restored?.id, user.id, "realm-web restored the user from its storage");
    await assert.rejects(restored.refreshAccessToken(), (err) => {
      assert.equal(err.statusCode, 401);
      assert.equal(err.errorCode, "InvalidSession");
      return true;
    });
    assert.equal(restored.state, "logged-out");
  } finally {
    await server.stop();
  }
});

test("active on day 89: kept; idle for 91 days: deleted with an audit event; linked: never; dry run first", T, async () => {
  const appId = "idle-abcde";
  const appDirs = [await appDir(appId)];
  const dataDir = await makeTempDir("guestpass-data-");

  let server = await startAt(0, { dataDir, appDirs });
  let active, idle, linked;
  try {
    active = await login(server, appId);
    idle = await login(server, appId);
    linked = await login(server, appId);
    // Link an API key to `linked`: it stops being anonymous.
    const key = await request(routes.apiKeys(server.url), {
      method: "POST",
      headers: bearer(linked.refresh_token),
      json: { name: "keep-me" },
    });
    assert.equal(key.status, 201, show(key));
    const link = await request(routes.link(server.url, appId, "api-key"), {
      method: "POST",
      headers: bearer(linked.access_token),
      json: { key: key.json.key },
    });
    assert.equal(link.status, 200, show(link));
  } finally {
    await server.stop();
  }

  server = await startAt(89, { dataDir, appDirs });
  try {
    assert.equal((await refresh(server, active.refresh_token)).status, 201);
    await sleep(1500); // a job run or two happen; nobody is 90 days idle yet
    assert.doesNotMatch(server.stderr(), /deleted inactive anonymous users/);
  } finally {
    await server.stop();
  }
  // (Checking `idle` by refreshing would be activity: the tool reads the store.)
  const early = await tool(89, ["users", "expire", "--app", appId, "--data-dir", dataDir, "--dry-run"]);
  assert.match(early, /0 users would be deleted/);

  const dryRun = await tool(91, ["users", "expire", "--app", appId, "--data-dir", dataDir, "--dry-run"]);
  assert.match(dryRun, new RegExp(idle.user_id));
  assert.doesNotMatch(dryRun, new RegExp(active.user_id));
  assert.doesNotMatch(dryRun, new RegExp(linked.user_id));
  assert.match(dryRun, /1 user would be deleted; dry run: nothing was deleted/);
  assert.equal((await auditEvents(dataDir, appId)).length, 0, "a dry run deletes nothing");

  server = await startAt(91, { dataDir, appDirs });
  try {
    await eventually(() => /deleted inactive anonymous users.*deleted=1/.test(server.stderr()), "the job's run");
    const gone = await refresh(server, idle.refresh_token);
    assert.equal(gone.status, 401, show(gone));
    assert.equal(gone.json?.error_code, "InvalidSession", show(gone));
    const profile = await request(routes.profile(server.url), { headers: bearer(idle.access_token) });
    assert.equal(profile.status, 401, show(profile));
    assert.equal((await refresh(server, active.refresh_token)).status, 201, "active on day 89: kept");
    assert.equal((await refresh(server, linked.refresh_token)).status, 201, "linked users are never deleted");
  } finally {
    await server.stop();
  }

  const events = await auditEvents(dataDir, appId);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].action, "user.delete");
  assert.equal(events[0].user_id, idle.user_id);
  assert.equal(events[0].actor, "system:inactivity");
  assert.deepEqual(events[0].providers, ["anon-user"]);
  assert.match(events[0].reason, /no activity for 90 days/);
  assert.ok(Math.abs(events[0].at - (Date.now() / 1000 + 91 * DAY)) < 120, "deleted 'now' on the server's clock");
});

test("`users expire` beside a live server: the deleted users' tokens stop working at once", T, async () => {
  const appId = "cli-abcde";
  const appDirs = [await appDir(appId, { anonymous: { delete_after_inactive_days: 30 } })];
  const dataDir = await makeTempDir("guestpass-data-");
  const server = await startAt(0, { dataDir, appDirs });
  try {
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await login(server, appId));
    for (const u of users) {
      const res = await request(routes.profile(server.url), { headers: bearer(u.access_token) });
      assert.equal(res.status, 200, show(res)); // now in the server's session cache
    }
    // The tool's clock is 31 days ahead: to it, all three are 30 days idle.
    const out = await tool(31, ["users", "expire", "--app", appId, "--data-dir", dataDir]);
    assert.match(out, /deleted 3 users/);
    await sleep(300); // the server notices another process's commit within 100 ms
    for (const u of users) {
      const res = await request(routes.profile(server.url), { headers: bearer(u.access_token) });
      assert.equal(res.status, 401, show(res));
      assert.equal(res.json?.error_code, "InvalidSession");
    }
    const events = await auditEvents(dataDir, appId);
    assert.equal(events.length, 3);
    assert.match(events[0].actor, /^cli:/);
    assert.match(events[0].reason, /no activity for 30 days/);
  } finally {
    await server.stop();
  }
});

test("the anonymous-user cap answers 403 AuthError until a user goes", T, async () => {
  const appId = "cap-abcde";
  const server = await startServer({ appDirs: [await appDir(appId, { anonymous: { max_users: 2 } })] });
  try {
    const first = await login(server, appId);
    await login(server, appId);
    const refused = await rawAnonLogin(server.url, appId);
    assert.equal(refused.status, 403, show(refused));
    assert.equal(refused.json?.error_code, "AuthError", show(refused));
    assert.match(refused.json?.error ?? "", /limit of 2 anonymous users/);
    const logout = await request(routes.session(server.url), { method: "DELETE", headers: bearer(first.refresh_token) });
    assert.equal(logout.status, 204, show(logout));
    await login(server, appId);
  } finally {
    await server.stop();
  }
});

test("lifecycle settings are validated at start", T, async () => {
  for (const [anonymous, field] of [
    [{ delete_after_inactive_days: 0 }, /anonymous\.delete_after_inactive_days/],
    [{ delete_after_inactive_days: "sometimes" }, /anonymous\.delete_after_inactive_days/],
    [{ max_users: -1 }, /anonymous\.max_users/],
  ]) {
    const dir = await appDir("bad-abcde", { anonymous });
    await assert.rejects(startServer({ appDirs: [dir] }), field);
  }
  await assert.rejects(startServer({ env: { GUESTPASS_INACTIVITY_INTERVAL: "0" } }), /--inactivity-interval/);
});

test("logins keep answering while the job deletes 100,000 expired users", { timeout: 120_000 }, async () => {
  const dataDir = await makeTempDir("guestpass-data-");
  await run(SEED_BIN, ["--data-dir", dataDir, "--users", "100000", "--idle-days", "100"]);
  const server = await startAt(0, { dataDir });
  try {
    const appId = server.apps[0].id;
    const started = Date.now();
    let finished = 0;
    const latencies = [];
    let failures = 0;
    const worker = async () => {
      while (!finished) {
        const t0 = Date.now();
        const res = await rawAnonLogin(server.url, appId);
        latencies.push({ at: t0, ms: Date.now() - t0 });
        if (res.status !== 200) failures++;
        if (server.stderr().includes("inactivity job run finished")) finished = Date.now();
        if (Date.now() - started > 90_000) finished = Date.now();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.match(server.stderr(), /deleted=100000/, "the job deleted all 100,000");
    assert.equal(failures, 0);
    const during = latencies.filter((l) => l.at < finished);
    latencies.sort((a, b) => a.ms - b.ms);
    const worst = latencies[latencies.length - 1].ms;
    console.log(`# ${during.length} logins while the job ran for ${finished - started} ms; slowest ${worst} ms`);
    assert.ok(during.length >= 50, `logins interleave with the deletion batches (${during.length})`);
    assert.ok(worst < 2000, `no login waited for the whole job (slowest ${worst} ms)`);
  } finally {
    await server.stop();
  }
});

test("a run cut short by a shutdown is finished by the next start, each user deleted once", { timeout: 120_000 }, async () => {
  const dataDir = await makeTempDir("guestpass-data-");
  await run(SEED_BIN, ["--data-dir", dataDir, "--users", "100000", "--idle-days", "100"]);
  const env = { GUESTPASS_INACTIVITY_INTERVAL: "3600" }; // a complete run is not due again for an hour
  let server = await startAt(0, { dataDir, env });
  const appId = server.apps[0].id;
  try {
    // Stop as soon as the job has deleted something (it reads the store beside the server).
    await eventually(async () => (await tool(0, ["audit", "--app", appId, "--data-dir", dataDir, "--limit", "1"])) !== "",
      "the job's first deletions", 30_000);
  } finally {
    await server.stop();
  }
  const first = (await auditEvents(dataDir, appId)).length;
  assert.ok(first > 0 && first < 100000, `the first run was cut short (${first} deleted)`);

  server = await startAt(0, { dataDir, env });
  try {
    await eventually(() => server.stderr().includes("inactivity job run finished"), "the resumed run", 60_000);
  } finally {
    await server.stop();
  }
  const events = await auditEvents(dataDir, appId);
  assert.equal(events.length, 100000, "every idle user deleted exactly once");
  assert.equal(new Set(events.map((e) => e.user_id)).size, 100000);
  const left = await tool(0, ["users", "expire", "--app", appId, "--data-dir", dataDir, "--dry-run"]);
  assert.match(left, /0 users would be deleted/);
});

test("two servers on one store: one of them runs the job", { timeout: 120_000 }, async () => {
  const dataDir = await makeTempDir("guestpass-data-");
  await run(SEED_BIN, ["--data-dir", dataDir, "--users", "50000", "--idle-days", "100"]);
  const a = await startAt(0, { dataDir });
  const b = await startAt(0, { dataDir });
  try {
    await eventually(
      () => a.stderr().includes("inactivity job run finished") || b.stderr().includes("inactivity job run finished"),
      "a run",
      60_000,
    );
    await sleep(2500); // later runs (due every second) find nobody left
  } finally {
    await a.stop();
    await b.stop();
  }
  const ran = [a, b].filter((s) => s.stderr().includes("deleted inactive anonymous users"));
  assert.equal(ran.length, 1, "exactly one server deleted users: the lease kept the other out");
  assert.match(ran[0].stderr(), /deleted=50000 /);
  const events = await auditEvents(dataDir, a.apps[0].id);
  assert.equal(events.length, 50000);
});

test("with --audit-retention-days the job deletes the audit events older than that, and only those", T, async () => {
  const appId = "retention-abcde";
  const appDirs = [await appDir(appId)];
  const dataDir = await makeTempDir("guestpass-data-");
  const logout = async (server) => {
    const body = await login(server, appId);
    const res = await request(routes.session(server.url), { method: "DELETE", headers: bearer(body.refresh_token) });
    assert.equal(res.status, 204, show(res));
    return body.user_id;
  };

  let server = await startAt(0, { dataDir, appDirs });
  try {
    await logout(server); // two events on day 0
    await logout(server);
  } finally {
    await server.stop();
  }
  server = await startAt(10, { dataDir, appDirs });
  let recent;
  try {
    recent = await logout(server); // one on day 10
  } finally {
    await server.stop();
  }
  assert.equal((await auditEvents(dataDir, appId)).length, 3);

  // Day 20 with a 15-day retention: the day-0 events go, the day-10 one stays.
  server = await startAt(20, { dataDir, appDirs, env: { GUESTPASS_AUDIT_RETENTION_DAYS: "15" } });
  try {
    await eventually(() => server.stderr().includes("purged audit events past their retention"), "the retention");
    assert.match(server.stderr(), /purged audit events past their retention.* events=2 /);
  } finally {
    await server.stop();
  }
  const events = await auditEvents(dataDir, appId);
  assert.deepEqual(events.map((e) => e.user_id), [recent]);
});
