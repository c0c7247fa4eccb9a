// End-to-end failover on PostgreSQL: a primary and a synchronous streaming
// standby (tests/postgres/cluster.sh start, standby), guestpass given both
// hosts in a multi-host connection string with target_session_attrs=read-write.
// Under a load of anonymous logins the primary is killed (immediate shutdown,
// as a crash) and the standby promoted: guestpass answers every request in
// bounded time (200, or 503 with the App Services error body while there is
// no primary), does not crash, finds the new primary by itself, and every
// login it acknowledged (200) is there afterwards: with synchronous
// replication a commit returns only once the standby has it.
// Runs when GUESTPASS_TEST_PG_URL is set (scripts/test.sh sets it) on
// clusters of its own; needs Debian's PostgreSQL server binaries.

import crypto from "node:crypto";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { REPO_ROOT, TEST_PG_URL, loginLoad, request, routes, show, sleep, startServer } from "./lib/server.mjs";
import { findAtRest } from "./lib/leaks.mjs";

const CLUSTER = path.join(REPO_ROOT, "tests", "postgres", "cluster.sh");
const TIMEOUT_S = 1; // --database-timeout
const T = { timeout: 120_000, skip: TEST_PG_URL ? false : "GUESTPASS_TEST_PG_URL is not set (PostgreSQL tests)" };
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

const dirs = []; // standby first: each is stopped and deleted at the end, also on failure
const cluster = (...args) => execFileSync("bash", [CLUSTER, ...args], { encoding: "utf8" });
function stopClusters() {
  while (dirs.length) {
    const dir = dirs.shift();
    try {
      cluster("stop", dir);
    } catch {
      // best effort
    }
  }
}
process.on("exit", stopClusters);
after(stopClusters);

const hostPort = (url) => new URL(url).host;

test("primary killed, synchronous standby promoted under load: guestpass follows by itself, no acknowledged login lost", T, async () => {
  const primaryDir = fs.mkdtempSync(path.join(os.tmpdir(), "guestpass-pg-"));
  const standbyDir = fs.mkdtempSync(path.join(os.tmpdir(), "guestpass-pg-"));
  dirs.push(standbyDir, primaryDir);
  const primaryUrl = cluster("start", primaryDir).trim().split("\n").pop();
  const standbyUrl = cluster("standby", primaryDir, standbyDir).trim().split("\n").pop();
  assert.equal(
    execFileSync("psql", [primaryUrl, "-Atqc", "SELECT sync_state FROM pg_stat_replication"], { encoding: "utf8" }).trim(),
    "sync",
    "the standby is synchronous",
  );
  // Both hosts; libpq tries them in turn and keeps the one that accepts writes.
  const database = `postgresql://postgres@${hostPort(primaryUrl)},${hostPort(standbyUrl)}/guestpass?target_session_attrs=read-write`;
  const server = await startServer({
    database,
    env: {
      GUESTPASS_DATABASE_TIMEOUT: String(TIMEOUT_S),
      GUESTPASS_LOG_LEVEL: "warn",
      GUESTPASS_MASTER_KEY: crypto.randomBytes(32).toString("hex"),
    },
  });
  try {
    const running = loginLoad(server);
    await sleep(1500);
    const killedAt = Date.now();
    cluster("kill", primaryDir);
    await sleep(1500); // no primary: the standby refuses writes (target_session_attrs)
    const promotingAt = Date.now();
    cluster("promote", standbyDir);
    const promotedAt = Date.now();
    let recoveredAt = 0;
    for (let i = 0; i < 300 && !recoveredAt; i++) {
      await sleep(50);
      recoveredAt = running.answers.find((a) => a.at > promotedAt && a.status === 200)?.at ?? 0;
    }
    await sleep(1000);
    const answers = await running.stop();

    assert.equal(server.exitInfo(), null, "the server is still running");
    const ok = answers.filter((a) => a.status === 200);
    const unavailable = answers.filter((a) => a.status === 503);
    const others = answers.filter((a) => a.status !== 200 && a.status !== 503);
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.log(
      `# ${answers.length} logins: ${ok.length} ok (${ok.filter((a) => a.at < killedAt).length} before the kill), ` +
        `${unavailable.length} 503, ${others.length} other; slowest ${slowest} ms; promotion took ${promotedAt - promotingAt} ms; ` +
        `serving again ${recoveredAt - promotedAt} ms after it`,
    );
    assert.ok(ok.some((a) => a.at < killedAt), "logins acknowledged before the kill");
    const between = answers.filter((a) => a.at > killedAt + 500 && a.at + a.ms < promotingAt);
    assert.ok(between.length > 0 && between.every((a) => a.status === 503), "without a primary, logins get 503");
    assert.deepEqual(others.map((a) => a.error ?? a.status), [], "nothing but 200 or 503");
    for (const a of unavailable) assert.deepEqual(a.json, { error: "service unavailable, try again later", error_code: "ServiceUnavailable" });
    // A connection attempt tries both hosts, each within the timeout.
    assert.ok(slowest < 4 * TIMEOUT_S * 1000 + 1000, `every answer within the bound (slowest ${slowest} ms)`);
    assert.ok(recoveredAt > 0, "serving again on the promoted standby");
    assert.ok(recoveredAt - promotedAt < 5000, `serving again within 5 s (${recoveredAt - promotedAt} ms)`);

    // Every acknowledged login is on the new primary: its user is there and its refresh token works.
    const ids = ok.map((a) => a.json.user_id);
    const found = execFileSync("psql", [standbyUrl, "-Atq"], {
      input: `SELECT count(*) FROM users WHERE encode(id, 'hex') = ANY('{${ids.join(",")}}'::text[]);`,
      encoding: "utf8",
    }).trim();
    assert.equal(Number(found), ids.length, "every acknowledged user is in the promoted standby");
    for (const a of ok) {
      const res = await request(routes.session(server.url), { method: "POST", headers: bearer(a.json.refresh_token) });
      assert.equal(res.status, 201, `acknowledged login of ${a.json.user_id} was lost: ${show(res)}`);
    }
    // lib/leaks.mjs's check, while the promoted standby still runs (the end removes it).
    assert.deepEqual(findAtRest(), [], "no secret in plain text in the data directory or the promoted database");
  } finally {
    await server.stop();
    stopClusters();
  }
});
