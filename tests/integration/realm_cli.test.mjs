// End-to-end tests with MongoDB's own realm-cli 2.6.2 (built from its npm
// package's Go source by tests/realm-cli/build.sh) against the real server:
// login as the admin user, whoami, apps list, pull into a directory, push it
// back (nothing to do, a dry run, a change that deploys), a custom JWT
// provider whose signing key is a secret (pushed, pulled back with the name
// only, the secret in use refused deletion), users list and create (an
// email/password user, a server API key), users list --pending, the
// refresh-and-retry on an expired admin token, and logout. Teams leaving App
// Services keep their realm-cli scripts; these are the commands they run.
//
// Run: GUESTPASS_BIN=... REALM_CLI_BIN=build/realm-cli/bin/realm-cli node --test realm_cli.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

import { REPO_ROOT, makeTempDir, request, routes, show, startServer } from "./lib/server.mjs";

const REALM_CLI = process.env.REALM_CLI_BIN || path.join(REPO_ROOT, "build", "realm-cli", "bin", "realm-cli");
const PASSWORD = "realm-cli-admin-password";
const T = { timeout: 60_000 };

let server;
let home; // realm-cli's $HOME: its profile lives in $HOME/.config/realm-cli
let group;
let appId; // the default app's client app id

/** Runs realm-cli with the server's URLs; returns {status, out} (stdout and stderr together). */
function cli(...args) {
  const r = spawnSync(
    REALM_CLI,
    [...args, "--realm-url", server.url, "--atlas-url", server.url, "--telemetry", "off", "-y", "--disable-colors"],
    { env: { PATH: process.env.PATH, HOME: home }, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function ok(result, what) {
  assert.equal(result.status, 0, `${what} failed:\n${result.out}`);
  return result.out;
}

async function anonLogin() {
  return request(routes.login(server.url, appId), { method: "POST", json: {} });
}

before(async () => {
  await fs.access(REALM_CLI).catch(() => {
    throw new Error(`realm-cli is not built at ${REALM_CLI}: run bash tests/realm-cli/build.sh`);
  });
  home = await makeTempDir("guestpass-realm-cli-");
  server = await startServer({ dataDir: await makeTempDir(), env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  appId = server.apps[0].id;
  group = server.stdout().match(/guestpass admin api \S+ group=([0-9a-f]{24})/)[1];
});

after(async () => {
  if (server) await server.stop();
});

test("login as the admin user (--auth-type local), whoami, apps list", T, () => {
  const wrong = cli("login", "--auth-type", "local", "--username", "admin", "--password", "not-it");
  assert.notEqual(wrong.status, 0, wrong.out);
  assert.match(wrong.out, /invalid username\/password/);
  assert.match(ok(cli("login", "--auth-type", "local", "--username", "admin", "--password", PASSWORD), "login"),
    /Successfully logged in/);
  assert.match(ok(cli("whoami"), "whoami"), /Currently logged in user: admin/);
  const apps = ok(cli("apps", "list"), "apps list");
  assert.match(apps, /Found 1 apps/);
  assert.ok(apps.includes(appId), apps);
});

test("pull, then push: nothing to do; a change shows in a dry run and deploys with push", T, async () => {
  const dir = path.join(home, "app");
  assert.match(ok(cli("pull", "--remote", appId, "--project", group, "--local", dir), "pull"), /Successfully pulled app down/);
  const realmConfig = JSON.parse(await fs.readFile(path.join(dir, "realm_config.json"), "utf8"));
  assert.equal(realmConfig.app_id, appId);
  const providersPath = path.join(dir, "auth", "providers.json");
  const providers = JSON.parse(await fs.readFile(providersPath, "utf8"));
  assert.equal(providers["anon-user"].disabled, false);

  assert.match(ok(cli("push", "--remote", appId, "--project", group, "--local", dir), "push"), /nothing to do/);

  providers["anon-user"].disabled = true;
  await fs.writeFile(providersPath, JSON.stringify(providers, null, 4));
  const dry = ok(cli("push", "--remote", appId, "--project", group, "--local", dir, "--dry-run"), "push --dry-run");
  assert.match(dry, /omit the 'dry-run' flag/);
  assert.equal((await anonLogin()).status, 200, "a dry run changes nothing");

  const pushed = ok(cli("push", "--remote", appId, "--project", group, "--local", dir), "push");
  assert.match(pushed, /Deployment complete/);
  assert.match(pushed, /Successfully pushed app up/);
  const refused = await anonLogin();
  assert.equal(refused.status, 403, show(refused)); // disabled: AuthProviderNotFound

  providers["anon-user"].disabled = false;
  await fs.writeFile(providersPath, JSON.stringify(providers, null, 4));
  ok(cli("push", "--remote", appId, "--project", group, "--local", dir), "push back");
  assert.equal((await anonLogin()).status, 200, "enabled again");
});

/** Every file under `dir` as text. */
async function allFiles(dir) {
  const out = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await fs.readFile(path.join(entry.parentPath ?? entry.path, entry.name), "utf8"));
  }
  return out;
}

test("a custom JWT provider naming a secret: pushed, pulled back with the name only, the secret kept while used", T, async () => {
  const key = `realm-cli-jwt-key-${randomUUID()}`;
  ok(cli("secrets", "create", "--app", appId, "--project", group, "--name", "jwt-key", "--value", key), "secrets create");
  const dir = path.join(home, "app-jwt");
  ok(cli("pull", "--remote", appId, "--project", group, "--local", dir), "pull");
  const providersPath = path.join(dir, "auth", "providers.json");
  const providers = JSON.parse(await fs.readFile(providersPath, "utf8"));
  providers["custom-token"] = {
    name: "custom-token",
    type: "custom-token",
    disabled: false,
    config: { audience: [], signingAlgorithm: "HS256", useJWKURI: false },
    secret_config: { signingKeys: ["jwt-key"] },
  };
  await fs.writeFile(providersPath, JSON.stringify(providers, null, 4));
  assert.match(ok(cli("push", "--remote", appId, "--project", group, "--local", dir), "push"), /Deployment complete/);

  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "cli-user", iat: now, exp: now + 600 })}`;
  const token = `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
  const login = () => request(routes.login(server.url, appId, "custom-token"), { method: "POST", json: { token } });
  let res = await login();
  assert.equal(res.status, 200, show(res));

  const again = path.join(home, "app-jwt-pulled");
  ok(cli("pull", "--remote", appId, "--project", group, "--local", again), "pull");
  const pulled = JSON.parse(await fs.readFile(path.join(again, "auth", "providers.json"), "utf8"));
  assert.deepEqual(pulled["custom-token"].secret_config, { signingKeys: ["jwt-key"] });
  for (const text of await allFiles(again)) assert.ok(!text.includes(key), `key material pulled: ${text}`);
  assert.match(ok(cli("push", "--remote", appId, "--project", group, "--local", again), "push"), /nothing to do/);

  // realm-cli reports each secret it could not delete in its table (and exits 0).
  const del = cli("secrets", "delete", "--app", appId, "--project", group, "--secret", "jwt-key");
  assert.match(del.out, /jwt-key\s+false\s+secret 'jwt-key' is used by provider custom-token \(signingKeys\[0\]\)/);
  assert.match(ok(cli("secrets", "list", "--app", appId, "--project", group), "secrets list"), /jwt-key/);

  pulled["custom-token"].secret_config = { signingKeys: ["missing-key"] };
  await fs.writeFile(path.join(again, "auth", "providers.json"), JSON.stringify(pulled, null, 4));
  const failed = cli("push", "--remote", appId, "--project", group, "--local", again);
  assert.notEqual(failed.status, 0, failed.out);
  assert.match(failed.out, /no secret named 'missing-key'/);
  res = await login();
  assert.equal(res.status, 200, `a failed push changes nothing: ${show(res)}`);
});

test("apps describe shows the app and its auth providers", T, () => {
  const out = ok(cli("apps", "describe", "--app", appId, "--project", group), "apps describe");
  assert.ok(out.includes(appId), out);
  assert.match(out, /anon-user/);
  assert.match(out, /api-key/);
});

test("users list shows the app's users", T, async () => {
  const users = [];
  for (let i = 0; i < 3; i++) users.push((await anonLogin()).json.user_id);
  const out = ok(cli("users", "list", "--app", appId, "--project", group), "users list");
  for (const id of users) assert.ok(out.includes(id), `${id} missing from:\n${out}`);
  assert.match(out, /Provider type: Anonymous/);
});

test("users create (email and api-key) logs in, and users list --pending shows registrations", T, async () => {
  const login = await request(`${server.url}/api/admin/v3.0/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  const admin = (method, p, json) =>
    request(`${server.url}/api/admin/v3.0/groups/${group}${p}`, {
      method,
      json,
      headers: { Authorization: `Bearer ${login.json.access_token}` },
    });
  const app = (await admin("GET", "/apps")).json.find((a) => a.client_app_id === appId);
  const providers = (await admin("GET", `/apps/${app._id}/auth_providers`)).json;
  let res = await admin("PUT", `/apps/${app._id}/auth_providers/${providers.find((p) => p.type === "api-key")._id}/enable`);
  assert.equal(res.status, 204, show(res));
  if (!providers.some((p) => p.type === "local-userpass")) {
    res = await admin("POST", `/apps/${app._id}/auth_providers`, { type: "local-userpass", config: { autoConfirm: true } });
    assert.equal(res.status, 201, show(res));
  }

  let out = ok(cli("users", "create", "--app", appId, "--project", group, "--type", "email", "--email",
    "realm@x.org", "--password", "realm-password"), "users create --type email");
  res = await request(routes.login(server.url, appId, "local-userpass"), {
    method: "POST",
    json: { username: "realm@x.org", password: "realm-password" },
  });
  assert.equal(res.status, 200, `${show(res)}\n${out}`);
  assert.ok(out.includes(res.json.user_id), out);

  out = ok(cli("users", "create", "--app", appId, "--project", group, "--type", "api-key", "--name", "realm-key"),
    "users create --type api-key");
  const key = out.match(/[0-9a-f]{24}[A-Za-z0-9_-]{40}/)?.[0];
  assert.ok(key, out);
  res = await request(routes.login(server.url, appId, "api-key"), { method: "POST", json: { key } });
  assert.equal(res.status, 200, show(res));

  res = await request(`${server.url}/api/client/v2.0/app/${appId}/auth/providers/local-userpass/register`, {
    method: "POST",
    json: { email: "signed-up@x.org", password: "secret-pass" },
  });
  assert.equal(res.status, 201, show(res));
  const pending = (await admin("GET", `/apps/${app._id}/user_registrations/pending_users`)).json;
  assert.deepEqual(pending.map((p) => p.login_ids[0].id), ["signed-up@x.org"], "confirmed, never logged in: pending");
  out = ok(cli("users", "list", "--app", appId, "--project", group, "--pending"), "users list --pending");
  assert.match(out, /Provider type: User\/Password/, out);
  assert.ok(out.includes(pending[0]._id) && out.includes("signed-up@x.org"), out);
  assert.doesNotMatch(out, /realm@x\.org/, "a made user is not pending");
});

test("secrets create, list, update and delete", T, () => {
  ok(cli("secrets", "create", "--app", appId, "--project", group, "--name", "smtp-password", "--value", "v4lue"),
    "secrets create");
  let list = ok(cli("secrets", "list", "--app", appId, "--project", group), "secrets list");
  assert.match(list, /smtp-password/);
  assert.doesNotMatch(list, /v4lue/);
  ok(cli("secrets", "update", "--app", appId, "--project", group, "--secret", "smtp-password", "--name", "mail-password",
    "--value", "n3w"), "secrets update");
  list = ok(cli("secrets", "list", "--app", appId, "--project", group), "secrets list");
  assert.match(list, /mail-password/);
  ok(cli("secrets", "delete", "--app", appId, "--project", group, "--secret", "mail-password"), "secrets delete");
  list = cli("secrets", "list", "--app", appId, "--project", group);
  assert.doesNotMatch(list.out, /mail-password/);
});

test("an expired admin access token is refreshed and the command retried", T, async () => {
  const profileDir = path.join(home, ".config", "realm-cli");
  const [file] = (await fs.readdir(profileDir)).filter((f) => f.endsWith(".yaml"));
  const profilePath = path.join(profileDir, file);
  const profile = await fs.readFile(profilePath, "utf8");
  assert.match(profile, /access_token: /);
  // A token the server refuses with InvalidSession: realm-cli must refresh it.
  await fs.writeFile(profilePath, profile.replace(/access_token: .*/, "access_token: not-a-token"));
  const apps = ok(cli("apps", "list"), "apps list with a bad access token");
  assert.ok(apps.includes(appId), apps);
  assert.doesNotMatch(await fs.readFile(profilePath, "utf8"), /access_token: not-a-token/, "the new token was saved");
});

test("login with an admin API key (mongodb-cloud), whoami shows the public key", T, async () => {
  const login = await request(`${server.url}/api/admin/v3.0/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  const key = await request(`${server.url}/api/admin/v3.0/auth/api_keys`, {
    method: "POST",
    json: { name: "realm-cli" },
    headers: { Authorization: `Bearer ${login.json.access_token}` },
  });
  assert.equal(key.status, 201, show(key));
  assert.match(ok(cli("login", "--api-key", key.json.public_key, "--private-api-key", key.json.private_key), "login"),
    /Successfully logged in/);
  assert.ok(ok(cli("whoami"), "whoami").includes(key.json.public_key));
  assert.ok(ok(cli("apps", "list"), "apps list").includes(appId));
  // Without --project realm-cli lists Atlas projects with HTTP Digest (the key as user and password).
  const dir = path.join(home, "app-no-project");
  assert.match(ok(cli("pull", "--remote", appId, "--local", dir), "pull without --project"), /Successfully pulled app down/);
  await fs.access(path.join(dir, "auth", "providers.json"));
});

test("logout ends the session", T, () => {
  assert.match(ok(cli("logout"), "logout"), /Successfully logged out/);
  assert.match(cli("whoami").out, /No user is currently logged in/);
  const apps = cli("apps", "list");
  assert.notEqual(apps.status, 0, apps.out);
});
