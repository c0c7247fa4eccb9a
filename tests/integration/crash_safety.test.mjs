// Crash safety under mixed load: anonymous logins, refreshes, email/password
// registrations linked to anonymous users, and deployments (an administrator
// switching a provider on and off, each change deployed at once) run
// together; the server is killed with SIGKILL at a random moment, restarted on
// the same store, and checked:
//  - every acknowledged login's refresh token still refreshes;
//  - every acknowledged link holds: the email logs in to the anonymous user's
//    id, which has both identities;
//  - every acknowledged deployment is in the history, and the provider's state
//    is the last acknowledged one (or the one change in flight at the kill);
//  - nothing is half-written: every user the Admin API lists has an identity,
//    and every deployment in the history is successful.
// Three rounds, each killed at another moment. On SQLite, and on PostgreSQL
// when GUESTPASS_TEST_PG_URL is set.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test crash_safety.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";

import { makeAppDir, makeTempDir, rawAnonLogin, request, routes, show, sleep, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "crash-safety-admin-password";
const APP_ID = "crash-abcde";
const T = { timeout: 120_000 };
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** An Admin API caller logged in to `server`. */
async function adminOf(server) {
  const login = await request(`${server.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(login.status, 200, show(login));
  const call = (method, p, json) => request(`${server.url}${ADMIN}${p}`, { method, json, headers: bearer(login.json.access_token) });
  const group = (await call("GET", "/auth/profile")).json.roles[0].group_id;
  const app = (await call("GET", `/groups/${group}/apps`)).json.find((a) => a.client_app_id === APP_ID);
  const appPath = (p) => `/groups/${group}/apps/${app._id}${p}`;
  return { call, appPath };
}

/** Runs `step` again and again until `stop()` is true; a failed request (the kill) ends the worker. */
async function worker(stop, step) {
  while (!stop()) {
    try {
      await step();
    } catch {
      return; // the connection died with the server
    }
  }
}

test("kill -9 under mixed load: every acknowledged write survives, nothing half-written is visible", T, async () => {
  const appDir = await makeAppDir({
    appId: APP_ID,
    name: "crash",
    providers: {
      "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
      "local-userpass": { name: "local-userpass", type: "local-userpass", disabled: false, config: { autoConfirm: true, resetPasswordUrl: "https://example.org/reset" } },
      "api-key": { name: "api-key", type: "api-key", disabled: false },
    },
  });
  const dataDir = await makeTempDir("guestpass-crash-");
  const env = { GUESTPASS_ADMIN_PASSWORD: PASSWORD };
  const logins = []; // acknowledged anonymous logins {user_id, refresh_token}
  const links = []; // acknowledged links {user_id, email, password}
  let deployedState = null; // the api-key provider's `disabled` after the last acknowledged change
  let deploymentsAcknowledged = 0;
  let emails = 0;

  let server = await startServer({ dataDir, appDirs: [appDir], env });
  for (let round = 1; round <= 3; round++) {
    const base = server.url;
    const { call, appPath } = await adminOf(server);
    const apiKey = (await call("GET", appPath("/auth_providers"))).json.find((p) => p.type === "api-key");
    if (deployedState === null) deployedState = apiKey.disabled;
    let inFlight = null; // the state a change in flight at the kill would leave
    const newestBefore = (await call("GET", appPath("/deployments"))).json[0]?._id; // the list holds the 25 newest
    let roundDeployments = 0;
    let stopped = false;
    const stop = () => stopped;

    const workers = [
      // Anonymous logins, then a refresh of each.
      ...Array.from({ length: 4 }, () =>
        worker(stop, async () => {
          const res = await rawAnonLogin(base, APP_ID);
          if (res.status !== 200) return;
          logins.push({ user_id: res.json.user_id, refresh_token: res.json.refresh_token });
          await request(routes.session(base), { method: "POST", headers: bearer(res.json.refresh_token) });
        }),
      ),
      // Register an email and link it to a new anonymous user.
      ...Array.from({ length: 2 }, () =>
        worker(stop, async () => {
          const anon = await rawAnonLogin(base, APP_ID);
          if (anon.status !== 200) return;
          const email = `crash-${round}-${++emails}@example.org`;
          const password = `pw-${email}-secret`;
          const reg = await request(`${base}/api/client/v2.0/app/${APP_ID}/auth/providers/local-userpass/register`, {
            method: "POST",
            json: { email, password },
          });
          if (reg.status !== 201) return;
          const linked = await request(routes.link(base, APP_ID, "local-userpass"), {
            method: "POST",
            json: { username: email, password },
            headers: bearer(anon.json.access_token),
          });
          if (linked.status === 200) links.push({ user_id: anon.json.user_id, email, password });
        }),
      ),
      // Deployments: switch the API key provider off and on, one change at a time.
      worker(stop, async () => {
        const next = !deployedState;
        inFlight = next;
        const res = await call("PUT", appPath(`/auth_providers/${apiKey._id}/${next ? "disable" : "enable"}`));
        if (res.status !== 204) throw new Error(show(res));
        deployedState = next;
        deploymentsAcknowledged++;
        roundDeployments++;
        inFlight = null;
      }),
    ];
    await sleep(200 + Math.random() * 1300);
    await server.crash();
    stopped = true;
    await Promise.all(workers);
    console.log(`# round ${round}: ${logins.length} logins, ${links.length} links, ${deploymentsAcknowledged} deployments acknowledged so far`);

    server = await startServer({ dataDir, appDirs: [appDir], env });
    const again = await adminOf(server);
    for (const login of logins) {
      const res = await request(routes.session(server.url), { method: "POST", headers: bearer(login.refresh_token) });
      assert.equal(res.status, 201, `the acknowledged login of ${login.user_id} was lost: ${show(res)}`);
    }
    for (const link of links) {
      const res = await request(routes.login(server.url, APP_ID, "local-userpass"), {
        method: "POST",
        json: { username: link.email, password: link.password },
      });
      assert.equal(res.status, 200, `the acknowledged link of ${link.email} was lost: ${show(res)}`);
      assert.equal(res.json.user_id, link.user_id, `${link.email} logs in to the anonymous user it was linked to`);
      const profile = await request(routes.profile(server.url), { headers: bearer(res.json.access_token) });
      assert.deepEqual(profile.json.identities.map((i) => i.provider_type).sort(), ["anon-user", "local-userpass"]);
    }
    const provider = (await again.call("GET", again.appPath(`/auth_providers/${apiKey._id}`))).json;
    const states = inFlight === null ? [deployedState] : [deployedState, inFlight];
    assert.ok(states.includes(provider.disabled), `the provider's state ${provider.disabled} is neither acknowledged nor in flight`);
    const history = (await again.call("GET", again.appPath("/deployments"))).json;
    const added = history.findIndex((d) => d._id === newestBefore);
    const newer = added < 0 ? history.length : added;
    assert.ok(newer >= Math.min(history.length, roundDeployments), `${roundDeployments} deployments acknowledged, ${newer} in the history`);
    for (const d of history) assert.equal(d.status, "successful", JSON.stringify(d));
    deployedState = provider.disabled; // the acknowledged state, or the change in flight's

    // Nothing half-written: every user has an identity (pages of 50).
    let after = "";
    for (;;) {
      const page = await again.call("GET", again.appPath(`/users${after ? `?after=${after}` : ""}`));
      assert.equal(page.status, 200, show(page));
      for (const u of page.json) assert.ok(Array.isArray(u.identities) && u.identities.length > 0, `a user without identities: ${JSON.stringify(u)}`);
      if (page.json.length < 50) break;
      after = page.json[page.json.length - 1]._id;
    }
  }
  assert.ok(logins.length > 0 && deploymentsAcknowledged > 0, "the load made acknowledged writes");
  await server.stop();
});
