// End-to-end tests of provider configurations that name secrets, against the
// real server: a custom JWT provider whose signingKeys are secrets
// (secret_config, as App Services and the realm-core harness send it), logins
// through the client API and realm-web with the secret's value, a new value
// served at once without a restart, secrets in use that cannot be deleted, a
// missing secret that fails the change and changes nothing, pulls and exports
// that hold names and never values, a local-userpass webhook signed with a
// secret, and app directories that name secrets (or give values inline, which
// become secrets) at start.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test secrets.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import * as Realm from "realm-web";

import { makeAppDir, makeTempDir, request, routes, show, startServer } from "./lib/server.mjs";
import { startWebhookReceiver } from "./lib/receivers.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "admin-password-for-secrets";
const T = { timeout: 60_000 };
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

// Key material that must never come back out of the server.
const KEY_ONE = "first-signing-key-" + randomUUID();
const KEY_TWO = "second-signing-key-" + randomUUID();

let server;
let dataDir;
let session;
let group;

const admin = (p) => `${server.url}${ADMIN}${p}`;

async function call(method, p, { json, headers = {} } = {}) {
  return request(admin(p), { method, json, headers: { Authorization: `Bearer ${session.access_token}`, ...headers } });
}

async function loginAdmin(url) {
  const res = await request(`${url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(res.status, 200, show(res));
  return res.json;
}

function assertError(res, status, errorCode, messagePart) {
  assert.equal(res.status, status, show(res));
  if (errorCode) assert.equal(res.json?.error_code, errorCode, show(res));
  if (messagePart) assert.ok(res.json?.error?.includes(messagePart), `"${messagePart}" not in: ${show(res)}`);
}

/** An HS256 JWT for `sub`, signed with `key`, valid for 10 minutes. */
function jwt(key, sub = `sub-${randomUUID()}`) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, iat: now, exp: now + 600, name: "Ada" })}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
}

async function jwtLogin(url, clientAppId, token) {
  return request(routes.login(url, clientAppId, "custom-token"), { method: "POST", json: { token } });
}

/** The files of a zip archive (stored or deflated entries): {name -> Buffer}. */
function unzip(buffer) {
  const files = {};
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, "no end of central directory: not a zip");
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buffer.readUInt32LE(at), 0x02014b50, "central directory entry");
    const method = buffer.readUInt16LE(at + 10);
    const compressed = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const dataAt = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(dataAt, dataAt + compressed);
    assert.ok(method === 0 || method === 8, `zip method ${method}`);
    files[name] = method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

async function fetchZip(p, headers = {}) {
  const res = await fetch(admin(p), { headers: { Authorization: `Bearer ${session.access_token}`, ...headers } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/zip");
  return unzip(Buffer.from(await res.arrayBuffer()));
}

/** Asserts that none of `values` is in the data directory's database files. */
async function assertNotInDatabase(dir, values) {
  for (const file of ["guestpass.db", "guestpass.db-wal"]) {
    const bytes = await fs.readFile(path.join(dir, file)).catch(() => Buffer.alloc(0));
    for (const value of values) assert.equal(bytes.indexOf(value), -1, `${file} holds ${value} in plain text`);
  }
}

before(async () => {
  dataDir = await makeTempDir();
  server = await startServer({ dataDir, env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  session = await loginAdmin(server.url);
  const profile = await call("GET", "/auth/profile");
  group = profile.json.roles[0].group_id;
});

after(async () => {
  if (server) await server.stop();
});

test("a custom JWT provider's signing key is a secret: logins use its value, a new value at once, names only out", T, async () => {
  const created = await call("POST", `/groups/${group}/apps`, { json: { name: "jwtapp" } });
  assert.equal(created.status, 201, show(created));
  const app = created.json;
  const base = `/groups/${group}/apps/${app._id}`;
  const secret = await call("POST", `${base}/secrets`, { json: { name: "jwt-key", value: KEY_ONE } });
  assert.equal(secret.status, 201, show(secret));

  // The realm-core harness's provider, exactly: the key by name in secret_config.
  const provider = await call("POST", `${base}/auth_providers`, {
    json: {
      type: "custom-token",
      config: { audience: [], signingAlgorithm: "HS256", useJWKURI: false },
      secret_config: { signingKeys: ["jwt-key"] },
      disabled: false,
      metadata_fields: [{ required: false, name: "name", field_name: "name" }],
    },
  });
  assert.equal(provider.status, 201, show(provider));
  assert.deepEqual(provider.json.secret_config, { signingKeys: ["jwt-key"] });
  assert.equal(provider.json.config.signingKeys, undefined);

  let res = await jwtLogin(server.url, app.client_app_id, jwt(KEY_ONE));
  assert.equal(res.status, 200, show(res));
  assert.equal(typeof res.json.access_token, "string");
  assertError(await jwtLogin(server.url, app.client_app_id, jwt(KEY_TWO)), 401, "AuthError");
  // realm-web logs in with it too.
  const realm = new Realm.App({ id: app.client_app_id, baseUrl: server.url, storage: new MemoryStorage() });
  const user = await realm.logIn(Realm.Credentials.jwt(jwt(KEY_ONE, "realm-web-user")));
  assert.equal(user.identities[0].providerType, "custom-token");

  // A new value: old-key tokens are refused and new-key ones accepted, no restart.
  const pid = server.proc.pid;
  res = await call("PUT", `${base}/secrets/${secret.json._id}`, { json: { name: "jwt-key", value: KEY_TWO } });
  assert.equal(res.status, 204, show(res));
  assertError(await jwtLogin(server.url, app.client_app_id, jwt(KEY_ONE)), 401, "AuthError");
  res = await jwtLogin(server.url, app.client_app_id, jwt(KEY_TWO));
  assert.equal(res.status, 200, show(res));
  assert.equal(server.proc.pid, pid);
  assert.equal(server.exitInfo(), null, "the server did not restart");

  // The secret is in use: deleting or renaming it is refused, naming the provider.
  assertError(await call("DELETE", `${base}/secrets/${secret.json._id}`), 400, "InvalidParameter",
    "secret 'jwt-key' is used by provider custom-token (signingKeys[0])");
  assertError(await call("PUT", `${base}/secrets/${secret.json._id}`, { json: { name: "renamed" } }), 400,
    "InvalidParameter", "provider custom-token");
  assert.equal((await jwtLogin(server.url, app.client_app_id, jwt(KEY_TWO))).status, 200);

  // Names, never values: the Admin API, the pull, the export and the database.
  const shown = await call("GET", `${base}/auth_providers/${provider.json._id}`);
  assert.deepEqual(shown.json.secret_config, { signingKeys: ["jwt-key"] });
  const pulled = await call("GET", `${base}/pull`);
  assert.equal(pulled.status, 200, show(pulled));
  const pulledProvider = pulled.json.auth_providers.find((p) => p.type === "custom-token");
  assert.deepEqual(pulledProvider.secret_config, { signingKeys: ["jwt-key"] });
  const zips = [
    await fetchZip(`${base}/export?source_control=true&version=20210101`),
    await fetchZip(`${base}/pull`, { Accept: "application/zip" }),
  ];
  for (const files of zips) {
    assert.ok(files["auth/providers.json"], `files: ${Object.keys(files)}`);
    const providers = JSON.parse(files["auth/providers.json"].toString("utf8"));
    assert.deepEqual(providers["custom-token"].secret_config, { signingKeys: ["jwt-key"] });
  }
  const texts = [shown.text, pulled.text, (await call("GET", `${base}/auth_providers`)).text,
    (await call("GET", `${base}/deployments`)).text,
    ...zips.flatMap((files) => Object.values(files).map((b) => b.toString("utf8")))];
  for (const text of texts) {
    for (const key of [KEY_ONE, KEY_TWO]) assert.ok(!text.includes(key), `key material in: ${text.slice(0, 200)}`);
  }
  await assertNotInDatabase(dataDir, [KEY_ONE, KEY_TWO]);

  // Pushing the pull back deploys nothing: names round-trip.
  const before = (await call("GET", `${base}/deployments`)).json.length;
  res = await call("PATCH", `${base}/push`, { json: pulled.json });
  assert.equal(res.status, 204, show(res));
  assert.equal((await call("GET", `${base}/deployments`)).json.length, before);
});

test("naming a missing secret fails the change with the field and the secret, and changes nothing", T, async () => {
  const app = (await call("POST", `/groups/${group}/apps`, { json: { name: "strict" } })).json;
  const base = `/groups/${group}/apps/${app._id}`;
  const key = "strict-key-" + randomUUID();
  await call("POST", `${base}/secrets`, { json: { name: "jwt-key", value: key } });
  const jwtProvider = (names) => ({
    type: "custom-token",
    config: { signingAlgorithm: "HS256" },
    secret_config: { signingKeys: names },
  });
  assertError(await call("POST", `${base}/auth_providers`, { json: jwtProvider(["nope"]) }), 400, "InvalidParameter",
    "provider custom-token: signingKeys[0]: no secret named 'nope'");
  assert.deepEqual((await call("GET", `${base}/auth_providers`)).json.map((p) => p.type), ["api-key"]);
  assert.equal((await call("GET", `${base}/deployments`)).json.length, 0, "no deployment");

  const created = await call("POST", `${base}/auth_providers`, { json: jwtProvider(["jwt-key"]) });
  assert.equal(created.status, 201, show(created));
  const deployments = (await call("GET", `${base}/deployments`)).json.length;
  assertError(await call("PATCH", `${base}/auth_providers/${created.json._id}`, { json: jwtProvider(["jwt-key", "gone"]) }),
    400, "InvalidParameter", "signingKeys[1]: no secret named 'gone'");
  // realm-cli's push (a draft, the import, the deployment) of a missing secret.
  const draft = await call("POST", `${base}/drafts`);
  assert.equal(draft.status, 201, show(draft));
  const cliApp = {
    config_version: 20210101,
    app_id: app.client_app_id,
    name: "strict",
    auth: { providers: { "custom-token": { name: "custom-token", type: "custom-token", ...jwtProvider(["absent"]) } } },
  };
  assertError(await call("POST", `${base}/import?strategy=replace-by-name`, { json: cliApp }), 400, "InvalidParameter",
    "no secret named 'absent'");
  let res = await call("POST", `${base}/drafts/${draft.json._id}/deployment`);
  assert.equal(res.status, 201, show(res));
  assert.equal((await call("DELETE", `${base}/drafts/${draft.json._id}`)).status, 404, "the deployment closed the draft");

  const shown = await call("GET", `${base}/auth_providers/${created.json._id}`);
  assert.deepEqual(shown.json.secret_config, { signingKeys: ["jwt-key"] }, "the configuration is unchanged");
  res = await jwtLogin(server.url, app.client_app_id, jwt(key));
  assert.equal(res.status, 200, show(res));
  assert.equal((await call("GET", `${base}/deployments`)).json.length, deployments + 1, "only the empty draft deployed");
});

test("a local-userpass webhook is signed with a secret; a new value signs the next one", T, async () => {
  const hook = await startWebhookReceiver();
  try {
    hook.respond = () => ({ json: { status: "pending" } });
    const app = (await call("POST", `/groups/${group}/apps`, { json: { name: "hooked" } })).json;
    const base = `/groups/${group}/apps/${app._id}`;
    const first = "hook-secret-" + randomUUID();
    const second = "hook-secret-" + randomUUID();
    const secret = (await call("POST", `${base}/secrets`, { json: { name: "hook-key", value: first } })).json;
    const created = await call("POST", `${base}/auth_providers`, {
      json: {
        type: "local-userpass",
        config: { autoConfirm: false, confirmationWebhookUrl: hook.url("/confirm") },
        secret_config: { webhookSecret: "hook-key" },
      },
    });
    assert.equal(created.status, 201, show(created));
    assert.ok(!created.text.includes(first));

    const register = async (email) => {
      const res = await request(`${server.url}/api/client/v2.0/app/${app.client_app_id}/auth/providers/local-userpass/register`,
        { method: "POST", json: { email, password: "password-123" } });
      assert.equal(res.status, 201, show(res));
      return hook.waitForEmail(email);
    };
    const signature = (key, rec) => "sha256=" + createHmac("sha256", key).update(Buffer.from(rec.raw, "utf8")).digest("hex");
    let rec = await register(`one-${randomUUID()}@example.com`);
    assert.equal(rec.headers["x-guestpass-signature"], signature(first, rec));

    const res = await call("PUT", `${base}/secrets/${secret._id}`, { json: { name: "hook-key", value: second } });
    assert.equal(res.status, 204, show(res));
    rec = await register(`two-${randomUUID()}@example.com`);
    assert.equal(rec.headers["x-guestpass-signature"], signature(second, rec));
    await assertNotInDatabase(dataDir, [first, second]);
  } finally {
    await hook.stop();
  }
});

test("--app-dir: a missing secret stops the start; values given inline become secrets; named secrets resolve", T, async () => {
  const dir = await makeTempDir();
  const appId = "secretdir-abcde";
  const inlineKey = "inline-dir-key-" + randomUUID();
  const namedKey = "named-dir-key-" + randomUUID();
  const jwtProvider = (extra) => ({
    "custom-token": { name: "custom-token", type: "custom-token", disabled: false, ...extra },
  });
  const named = await makeAppDir({
    appId,
    name: "secretdir",
    providers: jwtProvider({ config: { signingAlgorithm: "HS256" }, secret_config: { signingKeys: ["dir-key"] } }),
  });
  const env = { GUESTPASS_ADMIN_PASSWORD: PASSWORD };
  await assert.rejects(startServer({ dataDir: dir, appDirs: [named], env }), (err) => {
    assert.match(err.message, /signingKeys\[0\]: no secret named 'dir-key'/);
    assert.match(err.message, /provider custom-token/);
    return true;
  });

  // An older directory with the key inline: it is kept as a secret, never stored as given.
  const inline = await makeAppDir({
    appId,
    name: "secretdir",
    providers: jwtProvider({ config: { signingAlgorithm: "HS256", signingKeys: [inlineKey] } }),
  });
  let s = await startServer({ dataDir: dir, appDirs: [inline], env });
  try {
    assert.match(s.stderr(), /it is kept as a secret/);
    assert.match(s.stderr(), /signingKeys is now the secret 'custom-token-signingKeys'/);
    assert.ok(!s.stderr().includes(inlineKey), "the value is never logged");
    assert.equal((await jwtLogin(s.url, appId, jwt(inlineKey))).status, 200);
  } finally {
    await s.stop();
  }
  await assertNotInDatabase(dir, [inlineKey]);

  // The same directory again deploys nothing (its value is the same secret's).
  s = await startServer({ dataDir: dir, appDirs: [inline], env });
  let appPath;
  try {
    const mine = await loginAdmin(s.url);
    const get = (p) => request(`${s.url}${ADMIN}${p}`, { headers: { Authorization: `Bearer ${mine.access_token}` } });
    const groupId = (await get("/auth/profile")).json.roles[0].group_id;
    const app = (await get(`/groups/${groupId}/apps`)).json.find((a) => a.client_app_id === appId);
    appPath = `/groups/${groupId}/apps/${app._id}`;
    assert.equal((await get(`${appPath}/deployments`)).json.length, 1, "an unchanged directory deploys nothing");
    assert.deepEqual((await get(`${appPath}/secrets`)).json.map((x) => x.name), ["custom-token-signingKeys"]);
    const created = await request(`${s.url}${ADMIN}${appPath}/secrets`, {
      method: "POST",
      headers: { Authorization: `Bearer ${mine.access_token}` },
      json: { name: "dir-key", value: namedKey },
    });
    assert.equal(created.status, 201, show(created));
  } finally {
    await s.stop();
  }

  // Now the directory that names "dir-key" starts, and its value is what logins use.
  s = await startServer({ dataDir: dir, appDirs: [named], env });
  try {
    assert.equal((await jwtLogin(s.url, appId, jwt(namedKey))).status, 200);
    assertError(await jwtLogin(s.url, appId, jwt(inlineKey)), 401, "AuthError");
  } finally {
    await s.stop();
  }
  await assertNotInDatabase(dir, [inlineKey, namedKey]);
});
