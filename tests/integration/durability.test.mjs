// End-to-end durability: a login that guestpass acknowledged (200) survives a
// graceful stop in the middle of a burst and a crash (SIGKILL) in the middle
// of a burst: after a restart on the same data dir, every acknowledged refresh
// token still works. Requests cut off by the stop may fail; none may be lost
// after it was answered.

import { test } from "node:test";
import assert from "node:assert/strict";

import { makeTempDir, rawAnonLogin, request, routes, show, startServer } from "./lib/server.mjs";

const T = { timeout: 60_000 };
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/**
 * Starts `count` logins at once; resolves with the responses that came back
 * 200. `onFirst` runs when the first answer arrives, while the rest are in flight.
 */
async function burst(server, count, onFirst = () => {}) {
  const appId = server.apps[0].id;
  let first = true;
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () =>
      rawAnonLogin(server.url, appId).then((res) => {
        if (first) {
          first = false;
          onFirst();
        }
        return res;
      }),
    ),
  );
  return settled.filter((s) => s.status === "fulfilled" && s.value.status === 200).map((s) => s.value.json);
}

async function assertAllRefreshable(dataDir, acknowledged) {
  const again = await startServer({ dataDir });
  try {
    for (const login of acknowledged) {
      const res = await request(routes.session(again.url), { method: "POST", headers: bearer(login.refresh_token) });
      assert.equal(res.status, 201, `acknowledged login of ${login.user_id} was lost: ${show(res)}`);
    }
  } finally {
    assert.equal(await again.stop(), 0);
  }
}

test("logins answered before a SIGTERM survive it; the server exits 0", T, async () => {
  const dataDir = await makeTempDir("guestpass-term-");
  const server = await startServer({ dataDir });
  const acknowledged = await burst(server, 300, () => server.terminate());
  console.log(`# SIGTERM burst: ${acknowledged.length} of 300 acknowledged`);
  assert.ok(acknowledged.length >= 1);
  assert.equal(await server.stop(), 0, server.stderr());
  assert.match(server.stderr(), /store closed/);
  await assertAllRefreshable(dataDir, acknowledged);
});

test("logins answered before a crash (SIGKILL) survive it", T, async () => {
  const dataDir = await makeTempDir("guestpass-kill-");
  const server = await startServer({ dataDir });
  const first = await burst(server, 100); // surely all acknowledged
  assert.equal(first.length, 100);
  let crashed;
  const pending = burst(server, 300, () => {
    crashed = server.crash();
  });
  const acknowledged = first.concat(await pending);
  await crashed;
  console.log(`# SIGKILL burst: ${acknowledged.length - 100} of 300 acknowledged`);
  await assertAllRefreshable(dataDir, acknowledged);
});

test("a write stuck behind a slow disk does not hold up other connections' requests", T, async () => {
  const { spawn } = await import("node:child_process");
  const path = await import("node:path");
  const server = await startServer();
  try {
    const appId = server.apps[0].id;
    const ready = await rawAnonLogin(server.url, appId);
    assert.equal(ready.status, 200, show(ready));
    // Another process takes the database's write lock and keeps it: to
    // guestpass this looks like a write that takes seconds (a stalled disk).
    const holder = spawn("sqlite3", [path.join(server.dataDir, "guestpass.db")], { stdio: ["pipe", "pipe", "pipe"] });
    const locked = new Promise((resolve, reject) => {
      holder.stdout.on("data", (d) => String(d).includes("locked") && resolve());
      holder.on("error", reject);
    });
    holder.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
    await locked;
    const started = Date.now();
    const stuck = rawAnonLogin(server.url, appId); // waits for the lock
    let stuckDone = false;
    stuck.then(() => (stuckDone = true));
    // Reads and other endpoints keep answering meanwhile.
    for (let i = 0; i < 20; i++) {
      const prof = await request(routes.profile(server.url), { headers: bearer(ready.json.access_token) });
      assert.equal(prof.status, 200, show(prof));
      const refreshed = await request(routes.session(server.url), { method: "POST", headers: bearer(ready.json.refresh_token) });
      assert.equal(refreshed.status, 201, show(refreshed));
    }
    assert.ok(Date.now() - started < 1500, `reads took ${Date.now() - started} ms behind a stalled write`);
    assert.equal(stuckDone, false, "the login should still be waiting for the write lock");
    holder.stdin.end("COMMIT;\n");
    const res = await stuck;
    assert.equal(res.status, 200, show(res));
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
