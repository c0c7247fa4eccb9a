// End-to-end tests of the Admin API (/api/admin/v3.0) against the real
// server, with raw HTTP for the operator's side and the real realm-web
// client for an app's users: administrators' sessions and every refusal,
// apps, providers switched on and off without a restart, drafts that change
// nothing until deployed, diffs, the deployment history, redeploys, and a
// restart that keeps what was deployed.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test admin_api.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import * as Realm from "realm-web";

import { startWebhookReceiver } from "./lib/receivers.mjs";
import { API, databaseFor, makeTempDir, request, routes, show, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "admin-password-for-tests";
const T = { timeout: 60_000 };
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

let server;
let dataDir;
let session; // the administrator's {access_token, refresh_token}
let group;

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const admin = (path) => `${server.url}${ADMIN}${path}`;

async function call(method, path, { json, token = session.access_token, headers = {} } = {}) {
  return request(admin(path), { method, json, headers: { ...bearer(token), ...headers } });
}

function assertError(res, status, errorCode) {
  assert.equal(res.status, status, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.equal(typeof res.json.error, "string", show(res));
  if (errorCode !== undefined) assert.equal(res.json.error_code, errorCode, show(res));
}

async function adminLogin(username = "admin", password = PASSWORD) {
  return request(admin("/auth/providers/local-userpass/login"), { method: "POST", json: { username, password } });
}

function realmApp(clientAppId) {
  return new Realm.App({ id: clientAppId, baseUrl: server.url, storage: new MemoryStorage() });
}

/** Whether realm-web can log in anonymously to the app right now. */
async function anonLoginWorks(clientAppId) {
  try {
    const user = await realmApp(clientAppId).logIn(Realm.Credentials.anonymous());
    return typeof user.id === "string";
  } catch (err) {
    assert.ok(err instanceof Realm.MongoDBRealmError, `unexpected error: ${err}`);
    return false;
  }
}

async function createApp(name) {
  const res = await call("POST", `/groups/${group}/apps`, { json: { name } });
  assert.equal(res.status, 201, show(res));
  return res.json;
}

async function providers(app) {
  const res = await call("GET", `/groups/${group}/apps/${app._id}/auth_providers`);
  assert.equal(res.status, 200, show(res));
  return res.json;
}

before(async () => {
  dataDir = await makeTempDir();
  server = await startServer({ dataDir, env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  const res = await adminLogin();
  assert.equal(res.status, 200, show(res));
  session = res.json;
  const profile = await call("GET", "/auth/profile");
  assert.equal(profile.status, 200, show(profile));
  group = profile.json.roles[0].group_id;
});

after(async () => {
  if (server) await server.stop();
});

test("the start prints the Admin API's address and group", T, () => {
  assert.match(server.stdout(), new RegExp(`guestpass admin api ${server.url}/api/admin/v3.0 group=${group}`));
  assert.doesNotMatch(server.stdout(), /password=/, "a password given at start is never printed");
});

test("admin login, profile with roles, refresh (201) and logout (204)", T, async () => {
  const login = await adminLogin();
  assert.equal(login.status, 200, show(login));
  for (const key of ["access_token", "refresh_token", "user_id", "device_id"]) assert.equal(typeof login.json[key], "string");
  const profile = await call("GET", "/auth/profile", { token: login.json.access_token });
  assert.equal(profile.status, 200, show(profile));
  assert.equal(profile.json.data.name, "admin");
  assert.deepEqual(profile.json.roles, [{ role_name: "GROUP_OWNER", group_id: group }]);
  assert.match(group, /^[0-9a-f]{24}$/);

  const refreshed = await call("POST", "/auth/session", { token: login.json.refresh_token });
  assert.equal(refreshed.status, 201, show(refreshed));
  assert.equal(typeof refreshed.json.access_token, "string");
  const again = await call("GET", "/auth/profile", { token: refreshed.json.access_token });
  assert.equal(again.status, 200, show(again));

  const out = await call("DELETE", "/auth/session", { token: login.json.refresh_token });
  assert.equal(out.status, 204, show(out));
  assertError(await call("POST", "/auth/session", { token: login.json.refresh_token }), 401, "InvalidSession");
  assertError(await call("GET", "/auth/profile", { token: login.json.access_token }), 401, "InvalidSession");

  const providersRes = await request(admin("/auth/providers"));
  assert.equal(providersRes.status, 200, show(providersRes));
  assert.deepEqual(providersRes.json.map((p) => p.type).sort(), ["local-userpass", "mongodb-cloud"]);
});

test("admin routes refuse missing, garbled, wrong-kind and app-user tokens", T, async () => {
  const path = `/groups/${group}/apps`;
  assertError(await request(admin(path)), 401, "MissingAuthReq");
  assertError(await call("GET", path, { token: "garbage" }), 401, "InvalidSession");
  assertError(await call("GET", path, { token: session.refresh_token }), 401, "InvalidSession");
  assertError(await call("POST", "/auth/session", { token: session.access_token }), 401, "InvalidSession");

  // An app user's tokens open no Admin API door, and an admin's open no client API door.
  const app = server.apps[0].id;
  const user = await request(routes.login(server.url, app), { method: "POST", json: {} });
  assert.equal(user.status, 200, show(user));
  assertError(await call("GET", path, { token: user.json.access_token }), 401, "InvalidSession");
  assertError(await call("GET", "/auth/profile", { token: user.json.access_token }), 401, "InvalidSession");
  assertError(await call("POST", "/auth/session", { token: user.json.refresh_token }), 401, "InvalidSession");
  const asUser = await request(`${server.url}${API}/auth/profile`, { headers: bearer(session.access_token) });
  assertError(asUser, 401, "InvalidSession");
  const refreshAsUser = await request(`${server.url}${API}/auth/session`, {
    method: "POST",
    headers: bearer(session.refresh_token),
  });
  assertError(refreshAsUser, 401, "InvalidSession");

  // Wrong credentials: one answer, whichever part was wrong.
  assertError(await adminLogin("admin", "wrong-password"), 401, "InvalidPassword");
  assertError(await adminLogin("nobody", PASSWORD), 401, "InvalidPassword");
  const key = await request(admin("/auth/providers/mongodb-cloud/login"), {
    method: "POST",
    json: { username: "0123456789abcdef01234567", apiKey: "x".repeat(40) },
  });
  assertError(key, 401, "InvalidPassword");

  // Another group, an unknown app: 404.
  assertError(await call("GET", "/groups/0123456789abcdef01234567/apps"), 404);
  assertError(await call("GET", `/groups/${group}/apps/0123456789abcdef01234567`), 404, "AppNotFound");
  assertError(await call("GET", `/groups/${group}/apps/not-an-id`), 404, "AppNotFound");
});

test("CORS: the Admin API answers no other origin (none allowed by default); the client API echoes any", T, async () => {
  const evil = { Origin: "https://evil.example" };
  const profile = await call("GET", "/auth/profile", { headers: evil });
  assert.equal(profile.status, 200, show(profile));
  assert.equal(profile.headers.get("access-control-allow-origin"), null);
  const sneaky = await request(`${server.url}//api//admin/v3.0/auth/profile`, {
    headers: { ...evil, ...bearer(session.access_token) },
  });
  assert.equal(sneaky.headers.get("access-control-allow-origin"), null, "a path spelled otherwise is still the Admin API's");
  const preflight = await request(admin("/auth/profile"), {
    method: "OPTIONS",
    headers: { ...evil, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
  });
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  assert.equal(preflight.headers.get("access-control-allow-headers"), null);
  const client = await request(`${server.url}${API}/app/${server.apps[0].id}/location`, { headers: evil });
  assert.equal(client.headers.get("access-control-allow-origin"), "https://evil.example");
});

test("a new app lists, has a disabled api-key provider, and realm-cli's product queries answer", T, async () => {
  const app = await createApp("catalog");
  assert.match(app.client_app_id, /^catalog-[a-z]{5}$/);
  assert.equal(app.group_id, group);
  const list = await call("GET", `/groups/${group}/apps`);
  assert.ok(list.json.some((a) => a._id === app._id), show(list));
  const atlas = await call("GET", `/groups/${group}/apps?product=atlas`);
  assert.deepEqual(atlas.json, []);
  const got = await call("GET", `/groups/${group}/apps/${app._id}`);
  assert.equal(got.json.client_app_id, app.client_app_id);
  const ps = await providers(app);
  assert.deepEqual(ps.map((p) => [p.type, p.disabled]), [["api-key", true]]);
  assertError(await call("POST", `/groups/${group}/apps`, { json: { name: "catalog" } }), 409);
  assertError(await call("POST", `/groups/${group}/apps`, { json: { name: "bad name!" } }), 400);
  assertError(await call("POST", `/groups/${group}/apps`, { json: {} }), 400, "MissingParameter");
});

test("without a draft, enabling and disabling anon-user applies to realm-web at once", T, async () => {
  const app = await createApp("toggle");
  assert.equal(await anonLoginWorks(app.client_app_id), false, "no anon-user provider yet");
  const created = await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, {
    json: { type: "anon-user", disabled: true },
  });
  assert.equal(created.status, 201, show(created));
  assert.equal(created.json.name, "anon-user");
  const id = created.json._id;
  assert.equal(await anonLoginWorks(app.client_app_id), false, "created disabled");

  let res = await call("PUT", `/groups/${group}/apps/${app._id}/auth_providers/${id}/enable`);
  assert.equal(res.status, 204, show(res));
  assert.equal(await anonLoginWorks(app.client_app_id), true, "enabled without a restart");
  res = await call("PUT", `/groups/${group}/apps/${app._id}/auth_providers/${id}/disable`);
  assert.equal(res.status, 204, show(res));
  assert.equal(await anonLoginWorks(app.client_app_id), false, "disabled without a restart");

  const one = await call("GET", `/groups/${group}/apps/${app._id}/auth_providers/${id}`);
  assert.equal(one.status, 200, show(one));
  assert.equal(one.json.disabled, true);
  const history = await call("GET", `/groups/${group}/apps/${app._id}/deployments`);
  assert.equal(history.json.length, 3, show(history)); // create, enable, disable
  assert.equal(history.json[0].status, "successful");
  assert.equal(history.json[0].origin, "API");
  assert.equal(history.json[0].user_id, session.user_id);
  assertError(await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "anon-user" } }), 409);
  assertError(await call("PUT", `/groups/${group}/apps/${app._id}/auth_providers/0123456789abcdef01234567/enable`), 404);
});

test("in a draft nothing changes for clients until Deploy; diff, history and redeploy", T, async () => {
  const app = await createApp("drafted");
  const created = await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, {
    json: { type: "anon-user", disabled: true },
  });
  const anonId = created.json._id;
  const draft = await call("POST", `/groups/${group}/apps/${app._id}/drafts`, { json: {} });
  assert.equal(draft.status, 201, show(draft));
  assert.equal(draft.json.user_id, session.user_id);
  assertError(await call("POST", `/groups/${group}/apps/${app._id}/drafts`), 409, "DraftAlreadyExists");
  const drafts = await call("GET", `/groups/${group}/apps/${app._id}/drafts`);
  assert.deepEqual(drafts.json.map((d) => d._id), [draft.json._id]);

  let res = await call("PUT", `/groups/${group}/apps/${app._id}/auth_providers/${anonId}/enable`);
  assert.equal(res.status, 204, show(res));
  assert.equal(await anonLoginWorks(app.client_app_id), false, "a saved draft changes nothing for clients");
  const seen = await call("GET", `/groups/${group}/apps/${app._id}/auth_providers/${anonId}`);
  assert.equal(seen.json.disabled, false, "the admin sees the draft's state");

  const diff = await call("GET", `/groups/${group}/apps/${app._id}/drafts/${draft.json._id}/diff`);
  assert.equal(diff.status, 200, show(diff));
  assert.equal(diff.json.diffs.length, 1, show(diff));
  assert.match(diff.json.diffs[0], /^--- a\/auth\/providers\.json\n\+\+\+ b\/auth\/providers\.json\n@@/);
  assert.match(diff.json.diffs[0], /\n-        "disabled": true,?\n\+        "disabled": false/);

  const deployed = await call("POST", `/groups/${group}/apps/${app._id}/drafts/${draft.json._id}/deployment`, {
    json: { name: "turn anonymous on" },
    headers: { "X-BAAS-Request-Origin": "guestpass-ui" },
  });
  assert.equal(deployed.status, 201, show(deployed));
  assert.equal(deployed.json.status, "successful");
  assert.equal(deployed.json.name, "turn anonymous on");
  assert.equal(deployed.json.draft_id, draft.json._id);
  assert.equal(deployed.json.origin, "UI");
  assert.equal(await anonLoginWorks(app.client_app_id), true, "deployed");
  assert.deepEqual((await call("GET", `/groups/${group}/apps/${app._id}/drafts`)).json, []);
  const one = await call("GET", `/groups/${group}/apps/${app._id}/deployments/${deployed.json._id}`);
  assert.equal(one.json.name, "turn anonymous on");

  // Redeploying the first deployment (anon-user created disabled) rolls back.
  const history = await call("GET", `/groups/${group}/apps/${app._id}/deployments`);
  assert.equal(history.json.length, 2, show(history));
  assert.equal(history.json[0]._id, deployed.json._id, "newest first");
  const first = history.json[1];
  res = await call("POST", `/groups/${group}/apps/${app._id}/deployments/${first._id}/redeploy`);
  assert.equal(res.status, 204, show(res));
  assert.equal(await anonLoginWorks(app.client_app_id), false, "rolled back");
  assertError(
    await call("POST", `/groups/${group}/apps/${app._id}/deployments/0123456789abcdef01234567/redeploy`),
    404,
    "DeploymentNotFound",
  );
});

test("the deploy configuration: Disable Drafts is kept apart from deployments", T, async () => {
  const app = await createApp("nodrafts");
  const base = `/groups/${group}/apps/${app._id}`;
  let cfg = await call("GET", `${base}/deploy/config`);
  assert.equal(cfg.status, 200, show(cfg));
  assert.equal(cfg.json.ui_drafts_disabled, false);
  assert.equal(cfg.json.automatic_deployment.enabled, false);
  const res = await call("PATCH", `${base}/deploy/config`, { json: { ui_drafts_disabled: true } });
  assert.equal(res.status, 204, show(res));
  cfg = await call("GET", `${base}/deploy/config`);
  assert.equal(cfg.json.ui_drafts_disabled, true);
  assert.equal((await call("GET", `${base}/deployments`)).json.length, 0, "no deployment");
  assertError(await call("PATCH", `${base}/deploy/config`, { json: {} }), 400, "MissingParameter");
  assertError(
    await call("PATCH", `${base}/deploy/config`, { json: { ui_drafts_disabled: false, automatic_deployment: { enabled: true } } }),
    400,
  );
});

test("a discarded draft changes nothing; an invalid change is refused and changes nothing", T, async () => {
  const app = await createApp("discarded");
  const created = await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, {
    json: { type: "anon-user", disabled: false },
  });
  assert.equal(created.status, 201, show(created));
  const draft = await call("POST", `/groups/${group}/apps/${app._id}/drafts`);
  await call("PUT", `/groups/${group}/apps/${app._id}/auth_providers/${created.json._id}/disable`);
  const gone = await call("DELETE", `/groups/${group}/apps/${app._id}/drafts/${draft.json._id}`);
  assert.equal(gone.status, 204, show(gone));
  assert.equal(await anonLoginWorks(app.client_app_id), true, "the discarded change never applied");
  const seen = await call("GET", `/groups/${group}/apps/${app._id}/auth_providers/${created.json._id}`);
  assert.equal(seen.json.disabled, false);
  assertError(await call("DELETE", `/groups/${group}/apps/${app._id}/drafts/${draft.json._id}`), 404, "DraftNotFound");

  const before = (await call("GET", `/groups/${group}/apps/${app._id}/deployments`)).json.length;
  const bad = await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, {
    json: { type: "custom-token", config: { signingAlgorithm: "none" } },
  });
  assertError(bad, 400, "InvalidParameter");
  assert.match(bad.json.error, /custom-token/);
  assertError(await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "nope" } }), 400);
  const patch = await call("PATCH", `/groups/${group}/apps/${app._id}/auth_providers/${created.json._id}`, {
    json: { type: "api-key" },
  });
  assertError(patch, 400);
  assert.equal((await call("GET", `/groups/${group}/apps/${app._id}/deployments`)).json.length, before);
  assert.equal(await anonLoginWorks(app.client_app_id), true);
});

test("users: keyset pages, filters, count, disable (tokens refused at once), enable, logout, delete", T, async () => {
  const app = await createApp("people");
  await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "anon-user" } });
  const logins = [];
  for (let i = 0; i < 5; i++) {
    const res = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
    assert.equal(res.status, 200, show(res));
    logins.push(res.json);
  }
  const base = `/groups/${group}/apps/${app._id}/users`;
  const ids = [];
  let after = "";
  for (;;) {
    const page = await call("GET", `${base}?limit=2${after ? `&after=${after}` : ""}`);
    assert.equal(page.status, 200, show(page));
    ids.push(...page.json.map((u) => u._id));
    if (page.json.length < 2) break;
    after = page.json[page.json.length - 1]._id;
  }
  assert.deepEqual(ids, logins.map((l) => l.user_id), "every user once, oldest first");
  const first = (await call("GET", `${base}?limit=1`)).json[0];
  assert.equal(first.identities[0].provider_type, "anon-user");
  assert.equal(typeof first.creation_date, "number");
  assert.equal(first.disabled, false);
  const newest = await call("GET", `${base}?desc=true&limit=1`);
  assert.equal(newest.json[0]._id, logins[4].user_id);
  assert.equal((await call("GET", `${base}/count`)).json.count, 5);
  assert.equal((await call("GET", `${base}/count?provider_types=local-userpass`)).json.count, 0);
  assert.equal((await call("GET", `${base}?provider_types=anon-user%2Clocal-userpass`)).json.length, 5);
  assertError(await call("GET", `${base}?status=maybe`), 400);
  assertError(await call("GET", `${base}?limit=51`), 400);
  assertError(await call("GET", `${base}?after=nope`), 400);

  const target = logins[1];
  const profile = () => request(`${server.url}${API}/auth/profile`, { headers: bearer(target.access_token) });
  assert.equal((await profile()).status, 200);
  let res = await call("PUT", `${base}/${target.user_id}/disable`);
  assert.equal(res.status, 204, show(res));
  assertError(await profile(), 401, "InvalidSession");
  assert.equal((await call("GET", `${base}/count?status=disabled`)).json.count, 1);
  assert.equal((await call("GET", `${base}/${target.user_id}`)).json.disabled, true);
  res = await call("PUT", `${base}/${target.user_id}/enable`);
  assert.equal(res.status, 204, show(res));
  assert.equal((await profile()).status, 200, "enabled again");

  res = await call("PUT", `${base}/${target.user_id}/logout`);
  assert.equal(res.status, 204, show(res));
  assertError(await profile(), 401, "InvalidSession");
  const refresh = await request(`${server.url}${API}/auth/session`, {
    method: "POST",
    headers: bearer(target.refresh_token),
  });
  assertError(refresh, 401, "InvalidSession");

  res = await call("DELETE", `${base}/${logins[2].user_id}`);
  assert.equal(res.status, 204, show(res));
  assertError(await call("GET", `${base}/${logins[2].user_id}`), 404, "UserNotFound");
  assert.equal((await call("GET", `${base}/count`)).json.count, 4);
  // A user of another app is not this app's.
  const other = await request(routes.login(server.url, server.apps[0].id), { method: "POST", json: {} });
  assertError(await call("GET", `${base}/${other.json.user_id}`), 404, "UserNotFound");
  assertError(await call("PUT", `${base}/${other.json.user_id}/disable`), 404, "UserNotFound");
});

test("email/password users made by an administrator, and pending registrations: list, confirm, resend, run, delete", T, async () => {
  const hook = await startWebhookReceiver();
  hook.respond = () => ({ json: { status: "pending" } }); // registrations stay pending
  try {
    const app = await createApp("signups");
    const base = `/groups/${group}/apps/${app._id}`;
    const email = (e) => encodeURIComponent(e);
    assertError(await call("POST", `${base}/users`, { json: { email: "a@x.org", password: "secret-1" } }), 400,
      "AuthProviderNotFound");
    let res = await call("POST", `${base}/auth_providers`, {
      json: { type: "local-userpass", config: { autoConfirm: false, confirmationWebhookUrl: hook.url("/confirm") } },
    });
    assert.equal(res.status, 201, show(res));

    // An administrator's user exists at once, confirmed, and logs in with realm-web.
    res = await call("POST", `${base}/users`, { json: { email: "Made@Example.org", password: "secret-pass" } });
    assert.equal(res.status, 201, show(res));
    const made = res.json;
    assert.equal(made.type, "normal");
    assert.equal(made.identities[0].provider_type, "local-userpass");
    assert.equal(made.data.email, "made@example.org");
    assert.equal((await call("GET", `${base}/users/${made._id}`)).json._id, made._id);
    const user = await realmApp(app.client_app_id).logIn(Realm.Credentials.emailPassword("made@example.org", "secret-pass"));
    assert.equal(user.id, made._id, "the first login is the user the administrator made");
    assertError(await call("POST", `${base}/users`, { json: { email: "made@example.org", password: "other-pass" } }),
      409, "AccountNameInUse");
    assertError(await call("POST", `${base}/users`, { json: { email: "short@x.org", password: "123" } }), 400);
    assertError(await call("POST", `${base}/users`, { json: { email: "not an email", password: "secret-pass" } }), 400);
    assertError(await call("POST", `${base}/users`, { json: { password: "secret-pass" } }), 400, "MissingParameter");

    // Three sign-ups through the client API wait for confirmation.
    const client = realmApp(app.client_app_id);
    for (const e of ["p1@x.org", "p2@x.org", "p3@x.org"])
      await client.emailPasswordAuth.registerUser({ email: e, password: "secret-pass" });
    const pending = async () => (await call("GET", `${base}/user_registrations/pending_users`)).json;
    let list = await pending();
    assert.deepEqual(list.map((p) => p.login_ids[0].id), ["p1@x.org", "p2@x.org", "p3@x.org"]);
    assert.equal(list[0].login_ids[0].id_type, "email");
    assert.equal(list[0].domain_id, app._id);
    const page = await call("GET", `${base}/user_registrations/pending_users?after=${list[0]._id}`);
    assert.deepEqual(page.json.map((p) => p.login_ids[0].id), ["p2@x.org", "p3@x.org"], "keyset paging by _id");

    // Resend and run again: the webhook is called each time.
    const calls = () => hook.requests.filter((r) => r.json?.email === "p1@x.org").length;
    assert.equal(calls(), 1);
    res = await call("POST", `${base}/user_registrations/by_email/${email("p1@x.org")}/send_confirm`);
    assert.equal(res.status, 200, show(res));
    assert.equal(calls(), 2);
    res = await call("POST", `${base}/user_registrations/by_email/${email("p1@x.org")}/run_confirm`);
    assert.equal(res.status, 202, show(res));
    assert.equal(calls(), 3);
    assertError(await call("POST", `${base}/user_registrations/by_email/${email("nobody@x.org")}/run_confirm`), 404);
    assertError(await call("POST", `${base}/user_registrations/by_email/${email("made@example.org")}/run_confirm`),
      400, "UserAlreadyConfirmed");

    // Confirmed by hand: still pending until its first login, then a user.
    await assert.rejects(client.logIn(Realm.Credentials.emailPassword("p2@x.org", "secret-pass")));
    res = await call("POST", `${base}/user_registrations/by_email/${email("p2@x.org")}/confirm`);
    assert.equal(res.status, 204, show(res));
    list = await pending();
    assert.equal(list.find((p) => p.login_ids[0].id === "p2@x.org").confirmed, true);
    await client.logIn(Realm.Credentials.emailPassword("p2@x.org", "secret-pass"));
    list = await pending();
    assert.deepEqual(list.map((p) => p.login_ids[0].id), ["p1@x.org", "p3@x.org"]);
    assertError(await call("DELETE", `${base}/user_registrations/by_email/${email("p2@x.org")}`), 400,
      "InvalidParameter");

    // Deleted: gone, and the email can register again.
    res = await call("DELETE", `${base}/user_registrations/by_email/${email("p3@x.org")}`);
    assert.equal(res.status, 204, show(res));
    assert.deepEqual((await pending()).map((p) => p.login_ids[0].id), ["p1@x.org"]);
    await client.emailPasswordAuth.registerUser({ email: "p3@x.org", password: "secret-pass" });
    assertError(await call("DELETE", `${base}/user_registrations/by_email/${email("p3@x.org")}x`), 404);
  } finally {
    await hook.stop();
  }
});

test("users: search by email, anonymous or linked, and a user's devices (never a token)", T, async () => {
  const app = await createApp("finders");
  const base = `/groups/${group}/apps/${app._id}`;
  let res = await call("POST", `${base}/auth_providers`, { json: { type: "anon-user" } });
  assert.equal(res.status, 201, show(res));
  res = await call("POST", `${base}/auth_providers`, { json: { type: "local-userpass", config: { autoConfirm: true } } });
  assert.equal(res.status, 201, show(res));
  const device = { platform: "node", platformVersion: "20", sdkVersion: "2.0.1", appId: "finder-app", appVersion: "1.2" };
  const anon = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: { options: { device } } });
  assert.equal(anon.status, 200, show(anon));
  // A user who logged in anonymously and then linked an email/password account.
  const linking = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
  await realmApp(app.client_app_id).emailPasswordAuth.registerUser({ email: "linked@x.org", password: "secret-pass" });
  res = await request(routes.link(server.url, app.client_app_id, "local-userpass"), {
    method: "POST",
    json: { username: "linked@x.org", password: "secret-pass" },
    headers: bearer(linking.json.access_token),
  });
  assert.equal(res.status, 200, show(res));
  const made = await call("POST", `${base}/users`, { json: { email: "Solo@X.org", password: "secret-pass" } });
  assert.equal(made.status, 201, show(made));

  const ids = async (query) => {
    const page = await call("GET", `${base}/users${query}`);
    assert.equal(page.status, 200, show(page));
    return page.json.map((u) => u._id);
  };
  const count = async (query) => (await call("GET", `${base}/users/count${query}`)).json.count;
  assert.deepEqual(await ids("?anonymity=anonymous"), [anon.json.user_id]);
  assert.equal(await count("?anonymity=anonymous"), 1);
  assert.deepEqual(await ids("?anonymity=linked"), [linking.json.user_id]);
  assert.equal(await count("?anonymity=linked&provider_types=local-userpass"), 1);
  assert.equal(await count(""), 3);
  assert.deepEqual(await ids("?email=linked%40x.org"), [linking.json.user_id]);
  assert.deepEqual(await ids(`?email=${encodeURIComponent(" SOLO@x.org ")}`), [made.json._id], "normalised as at sign-up");
  assert.equal(await count("?email=solo%40x.org"), 1);
  assert.deepEqual(await ids("?email=nobody%40x.org"), []);
  assert.equal(await count("?email=nobody%40x.org"), 0);
  assert.deepEqual(await ids("?email=linked%40x.org&anonymity=anonymous"), [], "the filters combine");
  assert.deepEqual(await ids(`?email=linked%40x.org&after=${linking.json.user_id}`), [], "keyset paging past the one user");
  assertError(await call("GET", `${base}/users?email=not-an-email`), 400, "InvalidParameter");
  assertError(await call("GET", `${base}/users/count?anonymity=maybe`), 400, "InvalidParameter");

  // Devices: the user's live sessions with what its SDK sent, never a token.
  res = await call("GET", `${base}/users/${anon.json.user_id}/devices`);
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.length, 1, show(res));
  const [d] = res.json;
  assert.equal(d.device_id, anon.json.device_id);
  assert.equal(d.platform, "node");
  assert.equal(d.platform_version, "20");
  assert.equal(d.sdk_version, "2.0.1");
  assert.equal(d.app_id, "finder-app");
  assert.equal(d.app_version, "1.2");
  assert.ok(d.expires > d.created && d.created > 1_600_000_000, show(res));
  for (const secret of [anon.json.access_token, anon.json.refresh_token]) assert.ok(!res.text.includes(secret));
  assert.doesNotMatch(res.text, /token|secret/i);
  const second = await call("GET", `${base}/users/${linking.json.user_id}/devices`);
  assert.equal(second.json.length, 1, "a link opens no session of its own");
  assert.equal(second.json[0].device_id, "", "no device info sent");
  assert.equal(second.json[0].platform, "");
  res = await call("PUT", `${base}/users/${anon.json.user_id}/logout`);
  assert.equal(res.status, 204, show(res));
  assert.deepEqual((await call("GET", `${base}/users/${anon.json.user_id}/devices`)).json, []);
  assertError(await call("GET", `${base}/users/${"0".repeat(24)}/devices`), 404, "UserNotFound");
});

test("settings: guestpass.json's settings read and changed like a provider, checked like the file", T, async () => {
  const app = await createApp("tuned");
  const base = `/groups/${group}/apps/${app._id}`;
  let res = await call("POST", `${base}/auth_providers`, { json: { type: "anon-user" } });
  assert.equal(res.status, 201, show(res));
  res = await call("GET", `${base}/settings`);
  assert.equal(res.status, 200, show(res));
  assert.deepEqual(res.json, {
    refresh_token_expiration_seconds: 5184000,
    anonymous: { session_expiry: "while_active", max_users: 0, delete_after_inactive_days: 90 },
  });
  const pulled = async () => (await call("GET", `${base}/pull`)).json.guestpass;

  for (const [body, field] of [
    [{ anonymous: { max_users: -1 } }, "anonymous.max_users"],
    [{ refresh_token_expiration_seconds: 60 }, "refresh_token_expiration_seconds"],
    [{ anonymous: { delete_after_inactive_days: 0 } }, "anonymous.delete_after_inactive_days"],
    [{ colour: "blue" }, "colour"],
  ]) {
    res = await call("PATCH", `${base}/settings`, { json: body });
    assertError(res, 400, "InvalidParameter");
    assert.match(res.json.error, new RegExp(`'${field.replace(".", "\\.")}'`), show(res));
  }
  assert.equal((await pulled()).refresh_token_expiration_seconds, 5184000, "a refused change changes nothing");

  // Without a draft it deploys at once, and the keys left out are kept.
  res = await call("PATCH", `${base}/settings`, { json: { refresh_token_expiration_seconds: 7200, anonymous: { max_users: 1 } } });
  assert.equal(res.status, 204, show(res));
  let settings = await pulled();
  assert.equal(settings.refresh_token_expiration_seconds, 7200);
  assert.equal(settings.anonymous.max_users, 1);
  assert.equal(settings.anonymous.delete_after_inactive_days, 90);
  const login = () => request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
  assert.equal((await login()).status, 200);
  assertError(await login(), 403, "AuthError"); // the cap of 1 applies to clients now

  // With a draft, it waits there until deployed.
  const draft = await call("POST", `${base}/drafts`);
  assert.equal(draft.status, 201, show(draft));
  res = await call("PATCH", `${base}/settings`, { json: { anonymous: { signups_per_hour: 5, max_users: 0 } } });
  assert.equal(res.status, 204, show(res));
  assert.equal((await call("GET", `${base}/settings`)).json.anonymous.signups_per_hour, 5, "GET shows the draft");
  assert.equal((await pulled()).anonymous.signups_per_hour, undefined, "not deployed yet");
  const diff = await call("GET", `${base}/drafts/${draft.json._id}/diff`);
  assert.match(diff.json.diffs.join("\n"), /\+\s+"signups_per_hour": 5/, show(diff));
  res = await call("POST", `${base}/drafts/${draft.json._id}/deployment`, { json: {} });
  assert.equal(res.json.status, "successful", show(res));
  assert.equal((await pulled()).anonymous.signups_per_hour, 5);
  assert.equal((await login()).status, 200, "the cap is gone");
  res = await call("PATCH", `${base}/settings`, { json: { anonymous: { signups_per_hour: null } } });
  assert.equal(res.status, 204, show(res));
  assert.equal((await pulled()).anonymous.signups_per_hour, undefined, "null: the server's default again");
});

test("server API keys: shown once, log in to a server user, disable, enable, delete; users' own keys stay theirs", T, async () => {
  const app = await createApp("backend");
  const base = `/groups/${group}/apps/${app._id}`;
  assertError(await call("POST", `${base}/api_keys`, { json: { name: "cron" } }), 400, "AuthProviderNotFound");
  const apiKey = (await providers(app)).find((p) => p.type === "api-key");
  let res = await call("PUT", `${base}/auth_providers/${apiKey._id}/enable`);
  assert.equal(res.status, 204, show(res));

  res = await call("POST", `${base}/api_keys`, { json: { name: "cron" } });
  assert.equal(res.status, 201, show(res));
  const key = res.json;
  assert.equal(key.name, "cron");
  assert.equal(key.disabled, false);
  assert.equal(typeof key.key, "string");
  const listed = (await call("GET", `${base}/api_keys`)).json;
  assert.deepEqual(listed.map((k) => [k._id, k.name, k.disabled, k.key]), [[key._id, "cron", false, undefined]]);
  assert.equal((await call("GET", `${base}/api_keys/${key._id}`)).json.key, undefined, "the key is shown once");
  assertError(await call("POST", `${base}/api_keys`, { json: { name: "cron" } }), 409, "APIKeyAlreadyExists");
  assertError(await call("POST", `${base}/api_keys`, { json: { name: "" } }), 400);

  const login = () => realmApp(app.client_app_id).logIn(Realm.Credentials.apiKey(key.key));
  const user = await login();
  const serverUser = (await call("GET", `${base}/users/${user.id}`)).json;
  assert.equal(serverUser.type, "server");
  assert.equal(serverUser.identities[0].provider_type, "api-key");

  res = await call("PUT", `${base}/api_keys/${key._id}/disable`);
  assert.equal(res.status, 204, show(res));
  assert.equal((await call("GET", `${base}/api_keys/${key._id}`)).json.disabled, true);
  await assert.rejects(login(), "a disabled key logs in no more");
  res = await call("PUT", `${base}/api_keys/${key._id}/enable`);
  assert.equal(res.status, 204, show(res));
  assert.equal((await login()).id, user.id);

  // A user's own key (client API) is not a server key.
  const owner = await realmApp(app.client_app_id).logIn(Realm.Credentials.apiKey(key.key));
  const own = await owner.apiKeys.create("mine");
  assert.deepEqual((await call("GET", `${base}/api_keys`)).json.map((k) => k.name), ["cron"]);
  assertError(await call("GET", `${base}/api_keys/${own._id}`), 404, "APIKeyNotFound");
  assertError(await call("DELETE", `${base}/api_keys/${own._id}`), 404, "APIKeyNotFound");

  res = await call("DELETE", `${base}/api_keys/${key._id}`);
  assert.equal(res.status, 204, show(res));
  await assert.rejects(login(), "a deleted key logs in no more");
  assertError(await call("GET", `${base}/users/${user.id}`), 404, "UserNotFound");
  assertError(await call("GET", `${base}/api_keys/${key._id}`), 404, "APIKeyNotFound");
});

test("pull, push, export and realm-cli's import: round trips deploy nothing, changes deploy", T, async () => {
  const app = await createApp("moving");
  await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "anon-user" } });
  const base = `/groups/${group}/apps/${app._id}`;
  const deployments = async () => (await call("GET", `${base}/deployments`)).json.length;

  const pulled = await call("GET", `${base}/pull`);
  assert.equal(pulled.status, 200, show(pulled));
  assert.equal(pulled.json.name, "moving");
  assert.deepEqual(pulled.json.auth_providers.map((p) => [p.type, p.disabled]), [["api-key", true], ["anon-user", false]]);
  assert.equal(typeof pulled.json.guestpass.refresh_token_expiration_seconds, "number");
  assert.ok(!JSON.stringify(pulled.json).includes('"_id"'), "no ids in a pull");
  const before = await deployments();
  let res = await call("PATCH", `${base}/push`, { json: pulled.json });
  assert.equal(res.status, 204, show(res));
  assert.equal(await deployments(), before, "pushing what was pulled deploys nothing");
  assert.equal((await call("GET", `${base}/pull`)).text, pulled.text, "a pull is byte-stable");

  const changed = structuredClone(pulled.json);
  changed.auth_providers.find((p) => p.type === "anon-user").disabled = true;
  changed.guestpass.anonymous.max_users = 77;
  res = await call("PATCH", `${base}/push`, { json: changed });
  assert.equal(res.status, 204, show(res));
  assert.equal(await deployments(), before + 1);
  assert.equal(await anonLoginWorks(app.client_app_id), false, "the push deployed");
  assert.equal((await call("GET", `${base}/pull`)).json.guestpass.anonymous.max_users, 77);

  const zip = await call("GET", `${base}/export?source_control=true&version=20210101`);
  assert.equal(zip.status, 200, show(zip));
  assert.equal(zip.headers.get("content-type"), "application/zip");
  assert.equal(zip.headers.get("content-disposition"), "attachment; filename=moving.zip");
  assert.ok(zip.text.startsWith("PK"), "a zip archive");
  const again = await call("GET", `${base}/pull`, { headers: { Accept: "application/zip" } });
  assert.equal(again.headers.get("content-type"), "application/zip");
  assert.equal(again.text, zip.text, "the same app, the same archive bytes");

  // realm-cli's push: a diff first (nothing changes), then the import.
  const cliApp = {
    config_version: 20210101,
    app_id: app.client_app_id,
    name: "moving",
    location: "US-VA",
    deployment_model: "GLOBAL",
    auth: { providers: { "anon-user": { name: "anon-user", type: "anon-user", disabled: false } }, custom_user_data: { enabled: false } },
  };
  const diff = await call("POST", `${base}/import?diff=true&strategy=replace-by-name`, { json: cliApp });
  assert.equal(diff.status, 200, show(diff));
  assert.equal(diff.json.length, 1, show(diff));
  assert.match(diff.json[0], /auth\/providers\.json/);
  assert.match(diff.json[0], /-    "api-key": \{/, "replace-by-name drops the provider the import leaves out");
  assert.equal(await anonLoginWorks(app.client_app_id), false, "a diff changes nothing");
  res = await call("POST", `${base}/import?strategy=replace-by-name`, { json: cliApp });
  assert.equal(res.status, 204, show(res));
  assert.equal(await anonLoginWorks(app.client_app_id), true, "the import deployed");
  assert.equal((await call("GET", `${base}/pull`)).json.guestpass.anonymous.max_users, 77, "settings kept");
  const none = await call("POST", `${base}/import?diff=true&strategy=replace-by-name`, { json: cliApp });
  assert.deepEqual(none.json, [], "nothing left to push");

  assertError(await call("POST", `${base}/import?strategy=merge`, { json: cliApp }), 400);
  assertError(await call("POST", `${base}/import`, { json: { ...cliApp, app_id: "someone-else" } }), 400);
  const bad = { ...cliApp, auth: { providers: { "anon-user": { name: "anon-user", type: "custom-token" } } } };
  assertError(await call("POST", `${base}/import`, { json: bad }), 400);
  assertError(await call("PATCH", `${base}/push`, { json: { auth_providers: "no" } }), 400);
});

test("secrets: values go in sealed and never come out; the database file holds no plaintext", T, async () => {
  const app = await createApp("vault");
  const base = `/groups/${group}/apps/${app._id}/secrets`;
  const value = "s3cret-signing-key-" + "x".repeat(20);
  const created = await call("POST", base, { json: { name: "jwt-key", value } });
  assert.equal(created.status, 201, show(created));
  assert.deepEqual(Object.keys(created.json).sort(), ["_id", "name"]);
  const list = await call("GET", base);
  assert.deepEqual(list.json, [{ _id: created.json._id, name: "jwt-key" }]);
  assert.ok(!list.text.includes(value));
  assertError(await call("POST", base, { json: { name: "jwt-key", value: "other" } }), 409);
  assertError(await call("POST", base, { json: { name: "bad name", value: "v" } }), 400, "InvalidParameter");
  assertError(await call("POST", base, { json: { name: "novalue" } }), 400, "MissingParameter");
  let res = await call("PUT", `${base}/${created.json._id}`, { json: { name: "jwt-key-2", value: "rotated-value" } });
  assert.equal(res.status, 204, show(res));
  assert.deepEqual((await call("GET", base)).json.map((s) => s.name), ["jwt-key-2"]);

  // Nothing in the data directory (or the PostgreSQL database) but the master key file holds the values.
  for (const file of ["guestpass.db", "guestpass.db-wal"]) {
    const bytes = await fs.readFile(path.join(dataDir, file)).catch(() => Buffer.alloc(0));
    assert.equal(bytes.indexOf(value), -1, `${file} holds a secret in plain text`);
    assert.equal(bytes.indexOf("rotated-value"), -1, `${file} holds a secret in plain text`);
  }
  if (server.database) {
    const { execFileSync } = await import("node:child_process");
    const dump = execFileSync("pg_dump", ["--data-only", server.database], { encoding: "utf8" });
    assert.ok(dump.includes("COPY") && dump.includes("secrets"), "pg_dump dumped the database");
    assert.ok(!dump.includes(value) && !dump.includes("rotated-value"), "the database holds a secret in plain text");
  }
  const key = await fs.stat(path.join(dataDir, "master.key"));
  assert.equal(key.mode & 0o777, 0o600);

  res = await call("DELETE", `${base}/${created.json._id}`);
  assert.equal(res.status, 204, show(res));
  assert.deepEqual((await call("GET", base)).json, []);
  assertError(await call("DELETE", `${base}/${created.json._id}`), 404);
});

test("logs: logins, failures, logouts and administrators' changes, filtered and paged, never a token", T, async () => {
  const app = await createApp("logged");
  const base = `/groups/${group}/apps/${app._id}`;
  const created = await call("POST", `${base}/auth_providers`, { json: { type: "anon-user" } });
  const device = { platform: "chrome", platformVersion: "120", sdkVersion: "2.0.1", deviceId: "0123456789abcdef01234567" };
  const ok = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: { options: { device } } });
  assert.equal(ok.status, 200, show(ok));
  const refused = await request(`${routes.login(server.url, app.client_app_id, "local-userpass")}?secret=s3cr3t-query`, {
    method: "POST",
    json: { username: "a@example.com", password: "hunter2-password" },
  });
  assert.ok(refused.status >= 400, show(refused));
  const out = await request(`${server.url}${API}/auth/session`, {
    method: "DELETE",
    headers: bearer(ok.json.refresh_token),
  });
  assert.equal(out.status, 204, show(out));
  await call("PUT", `${base}/auth_providers/${created.json._id}/disable`);

  // Log events are written off the request path, within about half a second.
  let logs;
  for (let i = 0; i < 40; i++) {
    logs = await call("GET", `${base}/logs`);
    if (logs.json.logs.length >= 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(logs.status, 200, show(logs));
  const kinds = logs.json.logs.map((l) => `${l.type}:${l.auth_event ? l.auth_event.type : l.request_method}:${l.status}`);
  assert.deepEqual(kinds.slice().sort(), ["ADMIN:POST:201", "ADMIN:PUT:204", "AUTH:login:200", "AUTH:login:404", "AUTH:logout:204"].sort(), kinds.join());
  const login = logs.json.logs.find((l) => l.type === "AUTH" && l.status === 200);
  assert.equal(login.user_id, ok.json.user_id);
  assert.equal(login.auth_event.provider, "anon-user");
  assert.equal(login.remote_ip_address, "127.0.0.1");
  assert.deepEqual(login.device, { platform: "chrome", platformVersion: "120", sdkVersion: "2.0.1" }, "the SDK's device info");
  assert.equal(logs.json.logs.find((l) => l.type === "AUTH" && l.status === 404).device, undefined, "none sent");
  assert.match(login.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const failed = logs.json.logs.find((l) => l.type === "AUTH" && l.status === 404);
  assert.equal(failed.auth_event.failed, true);
  assert.equal(failed.error_code, "AuthProviderNotFound");
  assert.ok(!failed.request_url.includes("?"), "no query string");
  const adminEntry = logs.json.logs.find((l) => l.type === "ADMIN" && l.request_method === "PUT");
  assert.equal(adminEntry.administrator, "admin");
  assert.equal(adminEntry.user_id, session.user_id);
  for (const needle of ["s3cr3t-query", "hunter2-password", ok.json.access_token, ok.json.refresh_token, session.access_token])
    assert.ok(!logs.text.includes(needle), `the logs hold ${needle.slice(0, 12)}...`);

  assert.deepEqual((await call("GET", `${base}/logs?errors_only=true`)).json.logs.map((l) => l.status), [404]);
  assert.equal((await call("GET", `${base}/logs?type=ADMIN`)).json.logs.length, 2);
  assert.equal((await call("GET", `${base}/logs?user_id=${ok.json.user_id}`)).json.logs.length, 2, "its login and logout");
  const page = await call("GET", `${base}/logs?limit=2`);
  assert.equal(page.json.logs.length, 2);
  assert.equal(typeof page.json.nextEndDate, "string");
  const next = await call("GET", `${base}/logs?limit=10&end_date=${encodeURIComponent(page.json.nextEndDate)}&skip=${page.json.nextSkip}`);
  const ids = new Set([...page.json.logs, ...next.json.logs].map((l) => l._id));
  assert.equal(ids.size, 5, "two pages cover every entry once");
  assert.deepEqual((await call("GET", `${base}/logs?start_date=2999-01-01T00:00:00Z`)).json.logs, []);
  assertError(await call("GET", `${base}/logs?start_date=yesterday`), 400);
  assertError(await call("GET", `${base}/logs?limit=101`), 400);
});

test("verify_token: an app user's access token's claims; forged and foreign tokens refused", T, async () => {
  const app = await createApp("verifier");
  const base = `/groups/${group}/apps/${app._id}`;
  await call("POST", `${base}/auth_providers`, { json: { type: "anon-user" } });
  const user = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
  const res = await call("POST", `${base}/users/verify_token`, { json: { token: user.json.access_token } });
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json.sub, user.json.user_id);
  assert.equal(res.json.domain_id, app._id);
  assert.equal(res.json.exp - res.json.iat, 1800);
  const forged = user.json.access_token.slice(0, -4) + "AAAA";
  assertError(await call("POST", `${base}/users/verify_token`, { json: { token: forged } }), 401);
  const other = await request(routes.login(server.url, server.apps[0].id), { method: "POST", json: {} });
  assertError(await call("POST", `${base}/users/verify_token`, { json: { token: other.json.access_token } }), 401);
  assertError(await call("POST", `${base}/users/verify_token`, { json: {} }), 400, "MissingParameter");
});

test("deleting an app ends its users' sessions and its client API", T, async () => {
  const app = await createApp("doomed");
  await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "anon-user" } });
  const user = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
  assert.equal(user.status, 200, show(user));
  const res = await call("DELETE", `/groups/${group}/apps/${app._id}`);
  assert.equal(res.status, 204, show(res));
  const profile = await request(`${server.url}${API}/auth/profile`, { headers: bearer(user.json.access_token) });
  assertError(profile, 401, "InvalidSession");
  const login = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
  assertError(login, 404, "AppNotFound");
  assertError(await call("DELETE", `/groups/${group}/apps/${app._id}`), 404, "AppNotFound");
});

test("admin API keys: created once, log in through mongodb-cloud, listed without the private part, deleted", T, async () => {
  const created = await call("POST", "/auth/api_keys", { json: { name: "ci" } });
  assert.equal(created.status, 201, show(created));
  const { public_key: pub, private_key: priv } = created.json;
  assert.match(pub, /^[0-9a-f]{24}$/);
  assert.equal(priv.length, 40);
  const keyLogin = (p = priv) =>
    request(admin("/auth/providers/mongodb-cloud/login"), { method: "POST", json: { username: pub, apiKey: p } });
  const login = await keyLogin();
  assert.equal(login.status, 200, show(login));
  const profile = await call("GET", "/auth/profile", { token: login.json.access_token });
  assert.equal(profile.json.user_id, session.user_id, "the key logs in as its administrator");
  assertError(await keyLogin("y".repeat(40)), 401, "InvalidPassword");
  const list = await call("GET", "/auth/api_keys");
  assert.deepEqual(list.json.map((k) => [k.public_key, k.name]), [[pub, "ci"]]);
  assert.ok(!list.text.includes(priv), "the private part is shown only at creation");
  assertError(await call("POST", "/auth/api_keys", { json: { name: "ci" } }), 409);
  // Atlas's project list (realm-cli, HTTP Digest): a challenge first, and no answer to a wrong digest.
  const groups = `${server.url}/api/public/v1.0/groups`;
  const challenge = await request(groups);
  assertError(challenge, 401);
  assert.match(challenge.headers.get("www-authenticate"), /^Digest realm="MMS Public API", qop="auth", nonce="\d+-[0-9a-f]{32}", algorithm=MD5$/);
  const nonce = challenge.headers.get("www-authenticate").match(/nonce="([^"]+)"/)[1];
  const md5 = async (s) => (await import("node:crypto")).createHash("md5").update(s).digest("hex");
  const digest = async (password, nonceValue = nonce) => {
    const ha1 = await md5(`${pub}:MMS Public API:${password}`);
    const ha2 = await md5("GET:/api/public/v1.0/groups");
    const response = await md5(`${ha1}:${nonceValue}:00000001:abc:auth:${ha2}`);
    return `Digest username="${pub}", realm="MMS Public API", nonce="${nonceValue}", uri="/api/public/v1.0/groups", qop=auth, nc=00000001, cnonce="abc", response="${response}", algorithm=MD5`;
  };
  const good = await request(groups, { headers: { Authorization: await digest(priv) } });
  assert.equal(good.status, 200, show(good));
  assert.deepEqual(good.json, { results: [{ id: group, name: "guestpass" }], totalCount: 1 });
  assertError(await request(groups, { headers: { Authorization: await digest("z".repeat(40)) } }), 401);
  assertError(await request(groups, { headers: { Authorization: await digest(priv, "1-" + "0".repeat(32)) } }), 401);
  const gone = await call("DELETE", `/auth/api_keys/${pub}`);
  assert.equal(gone.status, 204, show(gone));
  assertError(await keyLogin(), 401, "InvalidPassword");
  // An app user's API key is no admin key.
  assertError(await call("POST", "/auth/api_keys", { json: {} }), 400, "MissingParameter");
});

test("guestpass admin passwd and admin keys create work offline on the data directory", T, async () => {
  const { spawnSync } = await import("node:child_process");
  const bin = process.env.GUESTPASS_BIN;
  const store = ["--data-dir", dataDir, ...(databaseFor(dataDir) ? ["--database", databaseFor(dataDir)] : [])];
  const passwd = spawnSync(bin, ["admin", "passwd", "--password-stdin", ...store], {
    input: "a-new-admin-password\n",
    encoding: "utf8",
  });
  assert.equal(passwd.status, 0, passwd.stderr);
  assertError(await adminLogin("admin", PASSWORD), 401, "InvalidPassword");
  const login = await adminLogin("admin", "a-new-admin-password");
  assert.equal(login.status, 200, show(login));
  session = login.json;
  const short = spawnSync(bin, ["admin", "passwd", "--password-stdin", ...store], { input: "short\n", encoding: "utf8" });
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /^guestpass: .*8 to 128/);

  // Another master key, or none, is refused: a key it sealed would not open on the server.
  const otherKey = path.join(await makeTempDir(), "other.key");
  await fs.writeFile(otherKey, "cd".repeat(32) + "\n", { mode: 0o600 });
  const wrong = spawnSync(bin, ["admin", "keys", "create", "--name", "x", ...store, "--master-key-file", otherKey], { encoding: "utf8" });
  assert.equal(wrong.status, 1, wrong.stdout);
  assert.match(wrong.stderr, /master key: signing key .* does not open with this master key/);
  // With no master key at all (the data directory's moved aside), the tool makes none.
  const keyFile = path.join(dataDir, "master.key");
  await fs.rename(keyFile, keyFile + ".aside");
  try {
    const none = spawnSync(bin, ["admin", "keys", "create", "--name", "x", ...store], {
      encoding: "utf8",
      env: { ...process.env, GUESTPASS_MASTER_KEY: "", GUESTPASS_MASTER_KEY_FILE: "" },
    });
    assert.equal(none.status, 1, none.stdout);
    assert.match(none.stderr, /master key: no master key/);
    assert.equal((await fs.readdir(dataDir)).includes("master.key"), false, "no master key is made by the tool");
  } finally {
    await fs.rename(keyFile + ".aside", keyFile);
  }

  const keys = spawnSync(bin, ["admin", "keys", "create", "--name", "automation", ...store], { encoding: "utf8" });
  assert.equal(keys.status, 0, keys.stderr);
  const pub = keys.stdout.match(/public key:\s+([0-9a-f]{24})/)[1];
  const priv = keys.stdout.match(/private key:\s+(\S{40})/)[1];
  const keyLogin = await request(admin("/auth/providers/mongodb-cloud/login"), {
    method: "POST",
    json: { username: pub, apiKey: priv },
  });
  assert.equal(keyLogin.status, 200, show(keyLogin));
  // Put the password back for the tests after this one.
  const back = spawnSync(bin, ["admin", "passwd", "--password-stdin", ...store], { input: PASSWORD + "\n", encoding: "utf8" });
  assert.equal(back.status, 0, back.stderr);
});

test("a restart keeps what was deployed and the administrator's password", T, async () => {
  const app = await createApp("durable");
  await call("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { json: { type: "anon-user" } });
  assert.equal(await anonLoginWorks(app.client_app_id), true);
  await server.stop();
  server = await startServer({ dataDir, env: { GUESTPASS_ADMIN_PASSWORD: "ignored-after-the-first-start" } });
  assert.equal(await anonLoginWorks(app.client_app_id), true, "the deployed provider survived the restart");
  const login = await adminLogin();
  assert.equal(login.status, 200, show(login));
  session = login.json;
  assert.equal((await call("GET", `/groups/${group}/apps/${app._id}/deployments`)).json.length, 1);
});
