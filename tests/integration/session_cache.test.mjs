// End-to-end tests of the PostgreSQL back end's session cache (two servers
// on one database): a logout, a disabled user or revoked sessions on one
// server are refused by the other at once (the next request), though the
// other had the session cached; and a server whose LISTEN connection is
// lost still refuses them, then listens again by itself.
// Runs when GUESTPASS_TEST_PG_URL is set (scripts/test.sh sets it).
//
// Run: GUESTPASS_BIN=/path/to/guestpass GUESTPASS_TEST_PG_URL=... node --test session_cache.test.mjs

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";

import { API, TEST_PG_URL, makeAppDir, makeTempDir, request, show, sleep, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "admin-password-for-tests";
const T = { timeout: 120_000, skip: TEST_PG_URL ? false : "GUESTPASS_TEST_PG_URL is not set (PostgreSQL tests)" };
const servers = [];

after(async () => {
  for (const s of servers) await s.stop();
});

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const profile = (server, access) => request(`${server.url}${API}/auth/profile`, { headers: bearer(access) });
const refresh = (server, refreshToken) =>
  request(`${server.url}${API}/auth/session`, { method: "POST", headers: bearer(refreshToken) });
const logout = (server, refreshToken) =>
  request(`${server.url}${API}/auth/session`, { method: "DELETE", headers: bearer(refreshToken) });

/** Two servers on one new database; `admin(method, path)` calls the first's Admin API on the app. */
async function twoServers(name) {
  const env = { GUESTPASS_ADMIN_PASSWORD: PASSWORD };
  const appDir = await makeAppDir({ appId: `${name}-abcde`, name });
  const one = await startServer({ appDirs: [appDir], env });
  servers.push(one);
  const two = await startServer({
    dataDir: await makeTempDir(),
    database: one.database,
    env,
    args: ["--master-key-file", path.join(one.dataDir, "master.key")],
  });
  servers.push(two);
  const appId = one.apps[0].id;
  const login = await request(`${one.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(login.status, 200, show(login));
  const token = login.json.access_token;
  const group = (await request(`${one.url}${ADMIN}/auth/profile`, { headers: bearer(token) })).json.roles[0].group_id;
  const app = (await request(`${one.url}${ADMIN}/groups/${group}/apps`, { headers: bearer(token) })).json.find(
    (a) => a.client_app_id === appId,
  );
  const admin = (method, p) =>
    request(`${one.url}${ADMIN}/groups/${group}/apps/${app._id}${p}`, { method, headers: bearer(token) });
  const anonLogin = async (server) => {
    const res = await request(`${server.url}${API}/app/${appId}/auth/providers/anon-user/login`, { method: "POST", json: {} });
    assert.equal(res.status, 200, show(res));
    return res.json;
  };
  return { one, two, admin, anonLogin };
}

/** The guestpass-listener sessions on the servers' database. */
const listeners = (database) =>
  Number(
    execFileSync("psql", [database, "-Atqc", "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'guestpass-listener' AND datname = current_database()"], {
      encoding: "utf8",
    }).trim(),
  );

test("a logout, a disabled user and revoked sessions on one server are refused by the other at once, every time", T, async () => {
  const { one, two, admin, anonLogin } = await twoServers("cache");
  for (let i = 0; i < 30; i++) {
    const login = await anonLogin(one);
    // The other server reads the session twice: the second is a cache hit.
    for (let k = 0; k < 2; k++) {
      assert.equal((await profile(two, login.access_token)).status, 200);
      assert.equal((await refresh(two, login.refresh_token)).status, 201);
    }
    const what = ["logout", "disable", "revoke sessions"][i % 3];
    if (what === "logout") {
      assert.equal((await logout(one, login.refresh_token)).status, 204);
    } else {
      const res = await admin("PUT", `/users/${login.user_id}/${what === "disable" ? "disable" : "logout"}`);
      assert.equal(res.status, 204, show(res));
    }
    const refused = await refresh(two, login.refresh_token);
    assert.equal(refused.status, 401, `${what}, round ${i}: ${show(refused)}`);
    assert.equal(refused.json.error_code, "InvalidSession");
    assert.equal((await profile(two, login.access_token)).status, 401, `${what}, round ${i}: profile`);
  }
});

test("a server whose LISTEN connection is lost still refuses at once, and listens again by itself", T, async () => {
  const { one, two, admin, anonLogin } = await twoServers("listen");
  assert.equal(listeners(one.database), 2, "one LISTEN connection per server");
  const first = await anonLogin(one);
  const second = await anonLogin(one);
  for (const login of [first, second]) assert.equal((await profile(two, login.access_token)).status, 200);

  // Both servers lose theirs; whatever is written meanwhile is refused on the other.
  execFileSync("psql", [one.database, "-Atqc", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'guestpass-listener' AND datname = current_database()"]);
  assert.equal((await admin("PUT", `/users/${first.user_id}/disable`)).status, 204);
  assert.equal((await profile(two, first.access_token)).status, 401, "disabled while not listening");
  assert.equal((await profile(two, second.access_token)).status, 200);

  const t0 = Date.now();
  while (listeners(one.database) < 2) {
    assert.ok(Date.now() - t0 < 5000, "the servers LISTEN again within 5 s");
    await sleep(50);
  }
  for (let k = 0; k < 2; k++) assert.equal((await profile(two, second.access_token)).status, 200);
  assert.equal((await logout(one, second.refresh_token)).status, 204);
  assert.equal((await profile(two, second.access_token)).status, 401, "logged out after listening again");
  assert.equal((await refresh(two, second.refresh_token)).status, 401);
});
