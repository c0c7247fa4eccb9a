// End-to-end tests of the admin CLI (`guestpass login|whoami|apps|users|
// deployments|pull|push|secrets|logs|logout`) against the real server: the binary
// runs with its own HOME and XDG_CONFIG_HOME, logs in with --password-stdin,
// and drives apps, users (created with raw anonymous logins), deployments,
// an app's files (pull, apps diff, push through a draft) and secrets through
// the Admin API; failures are one line on stderr with a non-zero exit; an
// expired or garbled access token is refreshed without the user noticing.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test cli.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import { startWebhookReceiver } from "./lib/receivers.mjs";
import { API, GUESTPASS_BIN, makeTempDir, request, routes, show, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "cli-admin-password";
const T = { timeout: 60_000 };

let server;
let home;
let configDir; // $XDG_CONFIG_HOME/guestpass
let group;
let adminToken; // a raw admin session's access token, for checks beside the CLI
let app; // the app the CLI creates: {_id, client_app_id, ...}

/** Runs the CLI; resolves nothing, returns {status, stdout, stderr}. */
function cli(args, { input = "", env = {} } = {}) {
  const res = spawnSync(GUESTPASS_BIN, args, {
    input,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, "cfg"), ...env },
  });
  if (res.error) throw res.error;
  return res;
}

function ok(res) {
  assert.equal(res.status, 0, `exit ${res.status}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  return res.stdout;
}

function okJson(args) {
  return JSON.parse(ok(cli([...args, "--json"])));
}

/** A failure: non-zero exit and exactly one line "guestpass: ..." on stderr. */
function fails(res, pattern, status) {
  assert.notEqual(res.status, 0, `expected a failure; stdout: ${res.stdout}`);
  if (status !== undefined) assert.equal(res.status, status, res.stderr);
  const lines = res.stderr.split("\n").filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(res.stderr)}`);
  assert.match(lines[0], /^guestpass: /);
  if (pattern) assert.match(lines[0], pattern);
  return lines[0];
}

const profilePath = (name = "default") => path.join(configDir, `${name}.json`);
const readProfile = (name) => JSON.parse(fs.readFileSync(profilePath(name), "utf8"));
const mode = (p) => fs.statSync(p).mode & 0o777;

async function admin(method, p, json) {
  return request(`${server.url}${ADMIN}${p}`, { method, json, headers: { Authorization: `Bearer ${adminToken}` } });
}

function login(extra = []) {
  return cli(["login", "--url", server.url, "--username", "admin", "--password-stdin", ...extra], {
    input: `${PASSWORD}\n`,
  });
}

before(async () => {
  server = await startServer({ env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  home = await makeTempDir("guestpass-cli-home-");
  configDir = path.join(home, "cfg", "guestpass");
  const res = await request(`${server.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(res.status, 200, show(res));
  adminToken = res.json.access_token;
  const profile = await admin("GET", "/auth/profile");
  group = profile.json.roles[0].group_id;
});

after(async () => {
  if (server) await server.stop();
});

test("usage lists the admin commands", T, () => {
  const out = ok(cli(["help"]));
  for (const command of ["login", "logout", "whoami", "apps", "users", "deployments", "pull", "push", "secrets"])
    assert.match(out, new RegExp(`^  ${command}( |$)`, "m"));
});

test("a command before any login says to run guestpass login", T, () => {
  fails(cli(["apps", "list"]), /run guestpass login/, 1);
  fails(cli(["whoami"]), /run guestpass login/, 1);
});

test("a wrong password fails with one line and saves nothing", T, () => {
  const res = cli(["login", "--url", server.url, "--username", "admin", "--password-stdin"], { input: "wrong\n" });
  fails(res, /login failed: /, 1);
  assert.equal(fs.existsSync(profilePath()), false);
  fails(cli(["login", "--url", server.url, "--username", "admin", "--password", PASSWORD]), /--password-stdin/, 2);
});

test("a server that is not there is said in words", T, () => {
  const res = cli(["login", "--url", "http://127.0.0.1:1", "--username", "admin", "--password-stdin"], {
    input: `${PASSWORD}\n`,
  });
  fails(res, /cannot reach http:\/\/127\.0\.0\.1:1: connection refused/, 1);
});

test("login with --password-stdin keeps the session in a 0600 profile in a 0700 directory", T, () => {
  const out = ok(login());
  assert.match(out, new RegExp(`logged in to ${server.url} as admin \\(group ${group}\\)`));
  assert.equal(mode(profilePath()), 0o600);
  assert.equal(mode(configDir), 0o700);
  const profile = readProfile();
  assert.equal(profile.url, server.url);
  assert.equal(profile.group_id, group);
  assert.equal(profile.username, "admin");
  assert.equal(typeof profile.access_token, "string");
  assert.equal(typeof profile.refresh_token, "string");
  assert.ok(!fs.readFileSync(profilePath(), "utf8").includes(PASSWORD), "the password is never stored");
  assert.deepEqual(fs.readdirSync(configDir), ["default.json"], "no temporary file is left");
});

test("whoami prints the server, the user and the group", T, () => {
  const out = ok(cli(["whoami"]));
  assert.match(out, new RegExp(`^URL +${server.url}$`, "m"));
  assert.match(out, /^USER +admin$/m);
  assert.match(out, new RegExp(`^GROUP +${group}$`, "m"));
  assert.deepEqual(okJson(["whoami"]), { profile: "default", url: server.url, group_id: group, username: "admin" });
});

test("apps create, list and describe", T, async () => {
  app = okJson(["apps", "create", "--name", "cli_shop"]);
  assert.match(app.client_app_id, /^cli-shop-[a-z]{5}$/);
  const list = ok(cli(["apps", "list"]));
  assert.match(list, /^CLIENT APP ID +NAME +_ID +CREATED$/m);
  assert.match(list, new RegExp(`^${app.client_app_id} +cli_shop +${app._id} `, "m"));
  assert.ok(okJson(["apps", "list"]).some((a) => a._id === app._id));
  fails(cli(["apps", "create", "--name", "cli_shop"]), /./, 1); // the name is taken: the server's words

  // anon-user on (through the raw API: a deployment of origin API).
  const provider = await admin("POST", `/groups/${group}/apps/${app._id}/auth_providers`, { type: "anon-user" });
  assert.equal(provider.status, 201, show(provider));

  const described = ok(cli(["apps", "describe", "--app", app.client_app_id]));
  assert.match(described, new RegExp(`^CLIENT APP ID +${app.client_app_id}$`, "m"));
  assert.match(described, /^api-key +api-key +no /m);
  assert.match(described, /^anon-user +anon-user +yes /m);
  assert.match(described, /recent deployments/);
  const json = okJson(["apps", "describe", "--app", app.client_app_id]);
  assert.equal(json.app._id, app._id);
  assert.deepEqual(json.auth_providers.map((p) => p.type).sort(), ["anon-user", "api-key"]);
  assert.ok(Array.isArray(json.deployments) && json.deployments.length >= 1);
  fails(cli(["apps", "describe", "--app", "no-such-app"]), /no app 'no-such-app'/, 1);
});

test("users list, count, disable, enable, revoke and delete", T, async () => {
  const logins = [];
  for (let i = 0; i < 3; i++) {
    const res = await request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
    assert.equal(res.status, 200, show(res));
    logins.push(res.json);
  }
  const ids = logins.map((l) => l.user_id);
  const a = ["--app", app.client_app_id];
  assert.deepEqual(okJson(["users", "list", ...a]).map((u) => u._id), ids);
  assert.deepEqual(okJson(["users", "list", ...a, "--limit", "2"]).map((u) => u._id), ids.slice(0, 2));
  assert.equal(okJson(["users", "list", ...a, "--all", "--provider", "anon-user"]).length, 3);
  const table = ok(cli(["users", "list", ...a]));
  assert.match(table, /^ID +TYPE +PROVIDERS +STATUS +CREATED +LAST AUTHENTICATED$/m);
  assert.match(table, new RegExp(`^${ids[0]} +normal +anon-user +enabled `, "m"));
  assert.equal(ok(cli(["users", "count", ...a])), "3\n");
  assert.deepEqual(okJson(["users", "count", ...a, "--provider", "local-userpass"]), { count: 0 });

  const profileOf = (login) =>
    request(`${server.url}${API}/auth/profile`, { headers: { Authorization: `Bearer ${login.access_token}` } });
  assert.match(ok(cli(["users", "disable", ...a, "--user", ids[0]])), new RegExp(`^disabled user ${ids[0]}$`, "m"));
  assert.equal((await profileOf(logins[0])).status, 401, "a disabled user's token is refused");
  assert.equal(ok(cli(["users", "count", ...a, "--status", "disabled"])), "1\n");
  assert.deepEqual(okJson(["users", "enable", ...a, "--user", ids[0]]), { enabled: [ids[0]] });
  assert.equal(ok(cli(["users", "count", ...a, "--status", "disabled"])), "0\n");

  assert.equal((await profileOf(logins[1])).status, 200);
  ok(cli(["users", "revoke", ...a, "--user", ids[1]]));
  assert.equal((await profileOf(logins[1])).status, 401, "revoked sessions end");

  // No terminal and no --yes: refused, nothing deleted.
  fails(cli(["users", "delete", ...a, "--user", ids[2]]), /--yes/, 2);
  assert.equal(ok(cli(["users", "count", ...a])), "3\n");
  assert.deepEqual(okJson(["users", "delete", ...a, "--user", `${ids[1]},${ids[2]}`, "--yes"]), {
    deleted: [ids[1], ids[2]],
  });
  assert.equal(ok(cli(["users", "count", ...a])), "1\n");
  fails(cli(["users", "disable", ...a, "--user", ids[2]]), new RegExp(`user ${ids[2]}: `), 1);
});

test("users create (an email/password user, a server API key), list --pending, logs list and --tail", T, async () => {
  const hook = await startWebhookReceiver();
  hook.respond = () => ({ json: { status: "pending" } });
  const a = ["--app", app.client_app_id];
  const base = `/groups/${group}/apps/${app._id}`;
  let tail;
  try {
    let res = await admin("POST", `${base}/auth_providers`, {
      type: "local-userpass",
      config: { autoConfirm: false, confirmationWebhookUrl: hook.url("/confirm") },
    });
    assert.equal(res.status, 201, show(res));
    const apiKey = (await admin("GET", `${base}/auth_providers`)).json.find((p) => p.type === "api-key");
    res = await admin("PUT", `${base}/auth_providers/${apiKey._id}/enable`);
    assert.equal(res.status, 204, show(res));

    const made = ok(cli(["users", "create", ...a, "--type", "email", "--email", "cli@x.org", "--password-stdin"],
      { input: "cli-password\n" }));
    const userId = made.match(/^created user ([0-9a-f]{24}) \(cli@x\.org\)$/m)?.[1];
    assert.ok(userId, made);
    res = await request(routes.login(server.url, app.client_app_id, "local-userpass"), {
      method: "POST",
      json: { username: "cli@x.org", password: "cli-password" },
    });
    assert.equal(res.status, 200, show(res));
    assert.equal(res.json.user_id, userId, "the CLI's user logs in as itself");
    fails(cli(["users", "create", ...a, "--type", "email", "--email", "cli@x.org", "--password", "cli-password"]),
      /name already in use/, 1);

    const keyOut = ok(cli(["users", "create", ...a, "--type", "api-key", "--name", "cron"]));
    const key = keyOut.match(/^key: (\S+)$/m)?.[1];
    assert.ok(key, keyOut);
    res = await request(routes.login(server.url, app.client_app_id, "api-key"), { method: "POST", json: { key } });
    assert.equal(res.status, 200, show(res));

    res = await request(`${server.url}${API}/app/${app.client_app_id}/auth/providers/local-userpass/register`, {
      method: "POST",
      json: { email: "waiting@x.org", password: "secret-pass" },
    });
    assert.equal(res.status, 201, show(res));
    assert.deepEqual(okJson(["users", "list", ...a, "--pending"]).map((p) => p.login_ids[0].id), ["waiting@x.org"]);
    assert.match(ok(cli(["users", "list", ...a, "--pending"])), /^\S+ +waiting@x\.org +no /m);

    // The log: entries are written every half second.
    const logged = async (predicate) => {
      for (let i = 0; i < 40; i++) {
        const entries = okJson(["logs", "list", ...a, "--type", "auth"]);
        if (entries.some(predicate)) return entries;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.fail("the log entry did not come");
    };
    const entries = await logged((e) => e.auth_event?.provider === "api-key");
    assert.ok(entries.every((e) => e.type === "AUTH"));
    assert.ok(entries.every((e, i) => i === 0 || entries[i - 1].started <= e.started), "oldest first");
    assert.match(ok(cli(["logs", "list", ...a, "--limit", "5"])), /^TIME +TYPE +EVENT +STATUS +USER +REMOTE +ERROR$/m);
    assert.deepEqual(okJson(["logs", "list", ...a, "--errors", "--type", "auth"]), []);

    // --tail prints what comes after it started.
    tail = spawn(GUESTPASS_BIN, ["logs", "list", ...a, "--tail", "--limit", "1"], {
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, "cfg") },
    });
    let out = "";
    tail.stdout.on("data", (d) => (out += d));
    const waitFor = async (re) => {
      for (let i = 0; i < 80 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, re);
    };
    await waitFor(/^TIME /m);
    res = await request(routes.login(server.url, app.client_app_id, "local-userpass"), {
      method: "POST",
      json: { username: "cli@x.org", password: "wrong-password" },
    });
    assert.equal(res.status, 401, show(res));
    await waitFor(/login local-userpass +401 /);
  } finally {
    tail?.kill();
    await hook.stop();
  }
});

test("deployments list and redeploy (recorded with origin CLI)", T, async () => {
  const a = ["--app", app.client_app_id];
  const history = okJson(["deployments", "list", ...a]);
  assert.ok(history.length >= 1);
  assert.equal(history[0].origin, "API");
  assert.match(ok(cli(["deployments", "list", ...a])), /^ID +STATUS +ORIGIN +DEPLOYED AT +ERROR$/m);
  const redeployed = okJson(["deployments", "redeploy", ...a, "--deployment", history[0]._id]);
  assert.notEqual(redeployed._id, history[0]._id);
  assert.equal(redeployed.status, "successful");
  assert.equal(redeployed.origin, "CLI", "X-BAAS-Request-Origin: guestpass-cli");
  const after = await admin("GET", `/groups/${group}/apps/${app._id}/deployments`);
  assert.equal(after.json[0]._id, redeployed._id);
  fails(cli(["deployments", "redeploy", ...a, "--deployment", "0123456789abcdef01234567"]), /./, 1);
});

test("a garbled access token in the profile is refreshed transparently", T, () => {
  const profile = readProfile();
  fs.writeFileSync(profilePath(), JSON.stringify({ ...profile, access_token: "garbage" }), { mode: 0o600 });
  assert.ok(okJson(["apps", "list"]).some((a) => a._id === app._id));
  const refreshed = readProfile();
  assert.notEqual(refreshed.access_token, "garbage");
  assert.equal(refreshed.refresh_token, profile.refresh_token);
  assert.equal(mode(profilePath()), 0o600);
  ok(cli(["apps", "list"])); // the saved token works as it is
  assert.equal(readProfile().access_token, refreshed.access_token);
});

test("profiles are separate, and a refused refresh says to log in again", T, async () => {
  ok(login(["--profile", "second"]));
  assert.equal(mode(profilePath("second")), 0o600);
  const second = readProfile("second");
  // End the session behind the CLI's back, then garble its access token.
  const out = await request(`${server.url}${ADMIN}/auth/session`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${second.refresh_token}` },
  });
  assert.equal(out.status, 204, show(out));
  fs.writeFileSync(profilePath("second"), JSON.stringify({ ...second, access_token: "garbage" }), { mode: 0o600 });
  fails(cli(["apps", "list", "--profile", "second"]), /session expired: run guestpass login/, 1);
  assert.equal(readProfile("second").refresh_token, "", "the tokens are cleared");
  fails(cli(["apps", "list", "--profile", "second"]), /run guestpass login --profile second/, 1);
  ok(cli(["apps", "list"])); // the default profile is untouched
});

// ---- pull, apps diff, push ----

let appDir; // where the CLI pulls the app
const APP_FILES = ["auth/custom_user_data.json", "auth/providers.json", "guestpass.json", "realm_config.json"];
const readFiles = (dir) => Object.fromEntries(APP_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
const deploymentCount = async () =>
  (await admin("GET", `/groups/${group}/apps/${app._id}/deployments`)).json.length;
const openDrafts = async () => (await admin("GET", `/groups/${group}/apps/${app._id}/drafts`)).json;
const anonymousLogin = () => request(routes.login(server.url, app.client_app_id), { method: "POST", json: {} });
const editJson = (file, edit) => {
  const p = path.join(appDir, file);
  const doc = JSON.parse(fs.readFileSync(p, "utf8"));
  edit(doc);
  fs.writeFileSync(p, JSON.stringify(doc, null, 2));
};

test("pull writes the app's files, the same bytes twice, and leaves other files alone", T, async () => {
  appDir = path.join(await makeTempDir("guestpass-cli-pull-"), "shop"); // created by pull
  const r = ["--remote", app.client_app_id, "--local", appDir];
  assert.match(ok(cli(["pull", ...r])), new RegExp(`^pulled ${app.client_app_id} into ${appDir}: 4 files, 4 written$`, "m"));
  const first = readFiles(appDir);
  assert.equal(JSON.parse(first["realm_config.json"]).app_id, app.client_app_id);
  assert.ok(JSON.parse(first["auth/providers.json"])["anon-user"], "anon-user is among the providers");
  fs.writeFileSync(path.join(appDir, "notes.md"), "my own file\n");
  fs.writeFileSync(path.join(appDir, "auth", "extra.json"), "{}\n");
  const again = okJson(["pull", ...r]);
  assert.deepEqual(again.files, APP_FILES);
  assert.deepEqual(again.written, [], "nothing changed, nothing written");
  assert.deepEqual(readFiles(appDir), first, "byte-stable");
  assert.equal(fs.readFileSync(path.join(appDir, "notes.md"), "utf8"), "my own file\n");
  assert.equal(fs.readFileSync(path.join(appDir, "auth", "extra.json"), "utf8"), "{}\n");
  fails(cli(["pull", "--remote", "no-such-app", "--local", appDir]), /no app 'no-such-app'/, 1);
});

test("pushing the unchanged directory deploys nothing", T, async () => {
  const before = await deploymentCount();
  const r = ["--remote", app.client_app_id, "--local", appDir];
  assert.equal(ok(cli(["apps", "diff", ...r])), "no differences\n");
  assert.deepEqual(okJson(["apps", "diff", ...r]), []);
  assert.equal(ok(cli(["push", ...r])), `nothing to push: ${app.client_app_id} is up to date\n`);
  assert.equal(ok(cli(["push", ...r, "--yes"])), `nothing to push: ${app.client_app_id} is up to date\n`);
  assert.equal(await deploymentCount(), before);
  assert.deepEqual(await openDrafts(), []);
});

test("a provider change: apps diff shows it, --dry-run changes nothing, push --yes deploys it", T, async () => {
  const r = ["--remote", app.client_app_id, "--local", appDir];
  editJson("auth/providers.json", (p) => (p["anon-user"].disabled = true));
  const diff = ok(cli(["apps", "diff", ...r]));
  assert.match(diff, /^\+\+\+ b\/auth\/providers\.json$/m);
  assert.match(diff, /^\+\s+"disabled": true/m);
  const before = await deploymentCount();

  const dry = ok(cli(["push", ...r, "--dry-run"]));
  assert.match(dry, /^dry run: nothing was pushed$/m);
  fails(cli(["push", ...r]), /--yes/, 2); // no terminal
  assert.equal(await deploymentCount(), before);
  assert.deepEqual(await openDrafts(), []);
  assert.equal((await anonymousLogin()).status, 200, "anon-user still on");

  const out = ok(cli(["push", ...r, "--yes"]));
  assert.match(out, /^deploying draft [0-9a-f]{24} to /m);
  assert.match(out, new RegExp(`^deployed ${app.client_app_id}: deployment [0-9a-f]{24}$`, "m"));
  assert.equal(await deploymentCount(), before + 1);
  const [newest] = (await admin("GET", `/groups/${group}/apps/${app._id}/deployments`)).json;
  assert.equal(newest.status, "successful");
  assert.equal(newest.origin, "CLI");
  assert.deepEqual(await openDrafts(), []);
  const login = await anonymousLogin();
  assert.notEqual(login.status, 200, `anonymous login refused after the push: ${show(login)}`);
  assert.equal(ok(cli(["apps", "diff", ...r])), "no differences\n");
});

test("a guestpass.json change round-trips through push and pull", T, async () => {
  const r = ["--remote", app.client_app_id, "--local", appDir];
  editJson("guestpass.json", (g) => (g.anonymous.max_users = 42));
  assert.match(ok(cli(["apps", "diff", ...r])), /^\+\s+"max_users": 42/m);
  const pushed = okJson(["push", ...r, "--yes", "--deployment-name", "cap-42"]);
  assert.equal(pushed.deployment.status, "successful");
  assert.equal(pushed.deployment.name, "cap-42");
  assert.equal(pushed.diffs.length, 1);
  const pulled = (await admin("GET", `/groups/${group}/apps/${app._id}/pull`)).json;
  assert.equal(pulled.guestpass.anonymous.max_users, 42);
  const fresh = path.join(await makeTempDir("guestpass-cli-pull-"), "again");
  ok(cli(["pull", "--remote", app.client_app_id, "--local", fresh]));
  assert.equal(JSON.parse(fs.readFileSync(path.join(fresh, "guestpass.json"), "utf8")).anonymous.max_users, 42);
  // Pulling over the edited directory gives the server's bytes back.
  ok(cli(["pull", ...r]));
  assert.deepEqual(readFiles(appDir), readFiles(fresh));
});

test("an invalid directory fails with one line and leaves no draft", T, async () => {
  const r = ["--remote", app.client_app_id, "--local", appDir];
  const providersFile = path.join(appDir, "auth", "providers.json");
  const good = fs.readFileSync(providersFile);
  const before = await deploymentCount();
  try {
    fs.writeFileSync(providersFile, JSON.stringify({ magic: { name: "magic", type: "magic", disabled: false } }));
    fails(cli(["push", ...r, "--yes"]), /auth\/providers\.json: field 'magic\.type': unknown provider type "magic"/, 1);
    fails(cli(["apps", "diff", ...r]), /unknown provider type/, 1);
    assert.deepEqual(await openDrafts(), []);
    // One only the server refuses (a custom-token config that verifies nothing):
    // the draft the push opened is discarded.
    fs.writeFileSync(
      providersFile,
      JSON.stringify({ "custom-token": { name: "custom-token", type: "custom-token", disabled: false, config: {} } }),
    );
    fails(cli(["push", ...r, "--yes"]), /^guestpass: push refused: /, 1);
    assert.deepEqual(await openDrafts(), []);
    assert.equal(await deploymentCount(), before);
  } finally {
    fs.writeFileSync(providersFile, good);
  }
  assert.equal(ok(cli(["apps", "diff", ...r])), "no differences\n");
});

test("secrets create, list, update and delete never print a value", T, async () => {
  const a = ["--app", app.client_app_id];
  const values = ["first-v4lue-xyz", "second-v4lue-xyz"];
  const outputs = [];
  const run = (args, input) => {
    const res = cli(args, { input });
    outputs.push(res.stdout, res.stderr);
    return res;
  };
  assert.equal(ok(run(["secrets", "list", ...a])), "no secrets\n");
  const created = ok(run(["secrets", "create", ...a, "--name", "jwt_key", "--value-stdin"], `${values[0]}\n`));
  assert.match(created, /^created secret jwt_key \(_id [0-9a-f]{24}\)$/m);
  const [secret] = JSON.parse(ok(run(["secrets", "list", ...a, "--json"])));
  assert.deepEqual(Object.keys(secret).sort(), ["_id", "name"]);
  assert.equal(secret.name, "jwt_key");
  assert.match(ok(run(["secrets", "list", ...a])), new RegExp(`^jwt_key +${secret._id}$`, "m"));
  fails(run(["secrets", "create", ...a, "--name", "jwt_key", "--value-stdin"], "again\n"), /./, 1); // taken

  ok(run(["secrets", "update", ...a, "--secret", "jwt_key", "--value-stdin"], `${values[1]}\n`));
  assert.deepEqual(JSON.parse(ok(run(["secrets", "update", ...a, "--secret", secret._id, "--name", "signing", "--json"]))), {
    updated: { _id: secret._id, name: "signing" },
  });
  assert.deepEqual(
    JSON.parse(ok(run(["secrets", "list", ...a, "--json"]))).map((s) => s.name),
    ["signing"],
  );
  fails(run(["secrets", "delete", ...a, "--secret", "signing"]), /--yes/, 2);
  assert.match(ok(run(["secrets", "delete", ...a, "--secret", "signing", "--yes"])), /^deleted secret signing$/m);
  assert.deepEqual(JSON.parse(ok(run(["secrets", "list", ...a, "--json"]))), []);
  fails(run(["secrets", "delete", ...a, "--secret", "signing", "--yes"]), /no secret 'signing'/, 1);
  for (const text of outputs) for (const v of values) assert.ok(!text.includes(v), `a value was printed: ${text}`);
});

test("apps delete needs --yes without a terminal", T, () => {
  fails(cli(["apps", "delete", "--app", app.client_app_id]), /--yes/, 2);
  assert.ok(okJson(["apps", "list"]).some((a) => a._id === app._id));
  assert.match(ok(cli(["apps", "delete", "--app", app.client_app_id, "--yes"])), /^deleted app /m);
  assert.ok(!okJson(["apps", "list"]).some((a) => a._id === app._id));
});

test("logout ends the session; then commands say to log in", T, async () => {
  const { refresh_token } = readProfile();
  assert.match(ok(cli(["logout"])), /^logged out of /);
  const profile = readProfile();
  assert.equal(profile.access_token, "");
  assert.equal(profile.refresh_token, "");
  assert.equal(mode(profilePath()), 0o600);
  const refresh = await request(`${server.url}${ADMIN}/auth/session`, {
    method: "POST",
    headers: { Authorization: `Bearer ${refresh_token}` },
  });
  assert.equal(refresh.status, 401, "the server ended the session");
  fails(cli(["apps", "list"]), /not logged in .*run guestpass login/, 1);
  fails(cli(["whoami"]), /run guestpass login/, 1);
  ok(cli(["logout"])); // twice is fine
});
