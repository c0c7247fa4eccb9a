// End-to-end tests: the real realm-web 2.0.1 client against a real guestpass
// server (anonymous provider), plus raw HTTP checks of what realm-web relies on.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test --test-concurrency=1 .

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as Realm from "realm-web";

import {
  decodeJwtPayload,
  makeAppDir,
  makeTempDir,
  rawAnonLogin,
  request,
  routes,
  show,
  sleep,
  startServer,
} from "./lib/server.mjs";

const HEX24 = /^[0-9a-f]{24}$/;
const ZERO_ID = "000000000000000000000000";
const ANON_IDENTITY_ID = /^[0-9a-f]{24}-[a-z]{24}$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const T = { timeout: 30_000 };

// realm-web keeps users in one process-wide MemoryStorage keyed by app id, so a
// "new" App with the same id would hydrate the users of earlier Apps. Give each
// App its own storage (same class as realm-web's default storage).
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

function newApp(url, id) {
  return new Realm.App({ id, baseUrl: url, storage: new MemoryStorage() });
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** Asserts that `promise` rejects with a MongoDBRealmError with the given status and code. */
async function assertRealmError(promise, { statusCode, errorCode }) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a rejection with status ${statusCode} ${errorCode}, but it resolved`);
  assert.ok(
    err instanceof Realm.MongoDBRealmError,
    `expected a MongoDBRealmError, got ${err && err.constructor && err.constructor.name}: ${err && err.message}`,
  );
  assert.equal(err.statusCode, statusCode, err.message);
  assert.equal(err.errorCode, errorCode, err.message);
  return err;
}

function assertInvalidSession(res) {
  assert.equal(res.status, 401, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.equal(res.json?.error_code, "InvalidSession", show(res));
  assert.equal(typeof res.json?.error, "string", show(res));
}

describe("realm-web against the default app", () => {
  let server;
  let appId;

  before(async () => {
    server = await startServer();
    assert.equal(server.apps.length, 1, `expected one default app line, stdout:\n${server.stdout()}`);
    appId = server.apps[0].id;
  });

  after(async () => {
    if (server) await server.stop();
  });

  test("1. anonymous login returns a user with JWT tokens", T, async () => {
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());

    assert.match(user.id, HEX24);
    assert.equal(user.providerType, "anon-user");
    assert.match(user.accessToken, JWT);
    assert.match(user.refreshToken, JWT);
    assert.equal(app.currentUser?.id, user.id);
    assert.equal(user.state, "active");

    const claims = decodeJwtPayload(user.accessToken);
    assert.ok(Number.isInteger(claims.exp), `exp must be an integer: ${JSON.stringify(claims)}`);
    assert.ok(Number.isInteger(claims.iat), `iat must be an integer: ${JSON.stringify(claims)}`);
    assert.equal(claims.exp - claims.iat, 1800);
    assert.equal(claims.sub, user.id);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(claims.iat - now) < 60, `iat ${claims.iat} is far from now ${now}`);

    const refreshClaims = decodeJwtPayload(user.refreshToken);
    assert.ok(Number.isInteger(refreshClaims.exp), `refresh exp: ${JSON.stringify(refreshClaims)}`);
    assert.ok(Number.isInteger(refreshClaims.iat), `refresh iat: ${JSON.stringify(refreshClaims)}`);
  });

  test("2. anonymous() reuses the user, anonymous(false) creates a new one", T, async () => {
    const app = newApp(server.url, appId);
    const first = await app.logIn(Realm.Credentials.anonymous());
    const again = await app.logIn(Realm.Credentials.anonymous());
    assert.equal(again.id, first.id);

    const other = await app.logIn(Realm.Credentials.anonymous(false));
    assert.match(other.id, HEX24);
    assert.notEqual(other.id, first.id);
    assert.equal(app.currentUser?.id, other.id);
  });

  test("3. profile: identities and raw GET /auth/profile", T, async () => {
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());

    assert.equal(user.identities.length, 1, JSON.stringify(user.identities));
    assert.equal(user.identities[0].providerType, "anon-user");
    assert.match(user.identities[0].id, ANON_IDENTITY_ID);

    await user.refreshProfile();
    assert.equal(user.identities.length, 1);
    assert.equal(typeof user.profile, "object");

    const res = await request(routes.profile(server.url), { headers: bearer(user.accessToken) });
    assert.equal(res.status, 200, show(res));
    assert.equal(res.contentType, "application/json", show(res));
    const p = res.json;
    assert.equal(p.user_id, user.id, show(res));
    assert.equal(typeof p.domain_id, "string", show(res));
    assert.ok(Array.isArray(p.identities), show(res));
    assert.equal(p.identities.length, 1, show(res));
    assert.equal(p.identities[0].provider_type, "anon-user", show(res));
    assert.equal(typeof p.identities[0].provider_id, "string", show(res));
    assert.match(p.identities[0].id, ANON_IDENTITY_ID, show(res));
    assert.equal(p.identities[0].id, user.identities[0].id);
    assert.ok(p.data !== null && typeof p.data === "object" && !Array.isArray(p.data), show(res));
    assert.equal(p.type, "normal", show(res));
    assert.ok(!("error" in p) && !("error_code" in p), show(res));
  });

  test("4. refreshAccessToken issues a new access token, refresh token unchanged", T, async () => {
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    const oldAccess = user.accessToken;
    const oldRefresh = user.refreshToken;

    await sleep(1100); // so that iat differs
    await user.refreshAccessToken();
    assert.notEqual(user.accessToken, oldAccess);
    assert.equal(user.refreshToken, oldRefresh);
    const oldClaims = decodeJwtPayload(oldAccess);
    const newClaims = decodeJwtPayload(user.accessToken);
    assert.equal(newClaims.sub, user.id);
    assert.ok(newClaims.iat > oldClaims.iat, `iat ${newClaims.iat} should be > ${oldClaims.iat}`);
    assert.equal(newClaims.exp - newClaims.iat, 1800);

    const res = await request(routes.session(server.url), { method: "POST", headers: bearer(oldRefresh) });
    assert.equal(res.status, 201, show(res));
    assert.equal(res.contentType, "application/json", show(res));
    assert.equal(typeof res.json?.access_token, "string", show(res));
    assert.match(res.json.access_token, /^[^.]+\.[^.]+\.[^.]+$/);
    assert.equal(decodeJwtPayload(res.json.access_token).sub, user.id);

    const prof = await request(routes.profile(server.url), { headers: bearer(res.json.access_token) });
    assert.equal(prof.status, 200, show(prof));
    assert.equal(prof.json?.user_id, user.id, show(prof));
  });

  test("5. logOut revokes the session and deletes the anonymous user", T, async () => {
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    const userId = user.id;
    const oldRefresh = user.refreshToken;
    const oldAccess = user.accessToken;

    await user.logOut();
    assert.equal(user.refreshToken, null);
    assert.equal(user.state, "logged-out");
    assert.equal(app.currentUser, null);

    const refresh = await request(routes.session(server.url), { method: "POST", headers: bearer(oldRefresh) });
    assertInvalidSession(refresh);

    const profile = await request(routes.profile(server.url), { headers: bearer(oldAccess) });
    assertInvalidSession(profile);

    // The server logs the deletion of the anonymous user, naming it, on one line.
    const deletionLine = new RegExp(`^(?=.*${userId})(?=.*delet).*$`, "im");
    try {
      await server.waitForStderr(deletionLine, 3000);
    } catch {
      const lines = server.stderr().split("\n").filter((l) => l.includes(userId));
      assert.fail(`no stderr line mentions deleting ${userId}; lines naming it:\n${lines.join("\n") || "(none)"}`);
    }

    const fresh = newApp(server.url, appId);
    const next = await fresh.logIn(Realm.Credentials.anonymous());
    assert.match(next.id, HEX24);
    assert.notEqual(next.id, userId);
  });

  test("5b. anonymous() on the same App after logOut fails cleanly with InvalidSession", T, async () => {
    // realm-web 2.0.1 reuses the logged-out anonymous user and sends
    // "Authorization: Bearer null" to /auth/profile and then /auth/session
    // (spec 18.2). The server must answer 401 InvalidSession so that the
    // login rejects instead of looping.
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    await user.logOut();
    await assertRealmError(app.logIn(Realm.Credentials.anonymous()), {
      statusCode: 401,
      errorCode: "InvalidSession",
    });
  });

  test("6. deleteUser removes the user and its sessions", T, async () => {
    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    const oldRefresh = user.refreshToken;
    const oldAccess = user.accessToken;

    await app.deleteUser(user);
    assert.equal(user.state, "removed");

    const refresh = await request(routes.session(server.url), { method: "POST", headers: bearer(oldRefresh) });
    assertInvalidSession(refresh);
    const profile = await request(routes.profile(server.url), { headers: bearer(oldAccess) });
    assertInvalidSession(profile);
  });

  test("7. device id in the login response and the baas_device_id claim", T, async () => {
    const res = await rawAnonLogin(server.url, appId);
    assert.equal(res.status, 200, show(res));
    assert.equal(res.contentType, "application/json", show(res));
    const body = res.json;
    assert.match(body.user_id, HEX24, show(res));
    assert.match(body.device_id, HEX24, show(res));
    assert.notEqual(body.device_id, ZERO_ID, show(res));
    assert.equal(decodeJwtPayload(body.access_token).baas_device_id, body.device_id);
    assert.equal(decodeJwtPayload(body.access_token).sub, body.user_id);

    // No body at all (the docs' curl example).
    const bare = await request(routes.login(server.url, appId), { method: "POST" });
    assert.equal(bare.status, 200, show(bare));
    assert.match(bare.json?.device_id, HEX24, show(bare));
    assert.match(bare.json?.user_id, HEX24, show(bare));
    assert.notEqual(bare.json.user_id, body.user_id);

    // realm-web sends the stored device id back as EJSON {"$oid": ...} on later logins.
    const echoed = await rawAnonLogin(server.url, appId, {
      options: { device: { sdkVersion: "2.0.1", platform: "node", platformVersion: "20", deviceId: { $oid: body.device_id } } },
    });
    assert.equal(echoed.status, 200, show(echoed));
    assert.match(echoed.json?.device_id, HEX24, show(echoed));

    const app = newApp(server.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    assert.equal(typeof user.deviceId, "string", `user.deviceId = ${user.deviceId}`);
    assert.match(user.deviceId, HEX24);
    // The second login of this App sends options.device.deviceId = {"$oid": ...}.
    const second = await app.logIn(Realm.Credentials.anonymous(false));
    assert.match(second.deviceId ?? "", HEX24);
  });

  test("12. baseUrl with a trailing slash (realm-web requests //api/...)", T, async () => {
    const app = new Realm.App({ id: appId, baseUrl: server.url + "/", storage: new MemoryStorage() });
    const user = await app.logIn(Realm.Credentials.anonymous());
    assert.match(user.id, HEX24);
  });
});

test("8. a disabled anon-user provider answers 403 AuthProviderNotFound", T, async () => {
  const appDir = await makeAppDir({
    appId: "disabled-anon-abcde",
    name: "disabled-anon",
    providers: { "anon-user": { name: "anon-user", type: "anon-user", disabled: true } },
  });
  const server = await startServer({ appDirs: [appDir] });
  try {
    assert.equal(server.apps.length, 1, server.stdout());
    const app = newApp(server.url, server.apps[0].id);
    await assertRealmError(app.logIn(Realm.Credentials.anonymous()), {
      statusCode: 403,
      errorCode: "AuthProviderNotFound",
    });
    assert.equal(app.currentUser, null);
  } finally {
    await server.stop();
  }
});

test("9. sessions survive a restart with the same data dir", T, async () => {
  const dataDir = await makeTempDir("guestpass-restart-");
  const first = await startServer({ dataDir });
  let appId, userId, refreshToken;
  await stopAfter(first, async () => {
    assert.equal(first.apps.length, 1, first.stdout());
    appId = first.apps[0].id;
    const app = newApp(first.url, appId);
    const user = await app.logIn(Realm.Credentials.anonymous());
    userId = user.id;
    refreshToken = user.refreshToken;
  });

  const second = await startServer({ dataDir });
  await stopAfter(second, async () => {
    assert.equal(second.apps.length, 1, second.stdout());
    assert.equal(second.apps[0].id, appId, "the default app id must be stable across restarts");

    const res = await request(routes.session(second.url), { method: "POST", headers: bearer(refreshToken) });
    assert.equal(res.status, 201, show(res));
    assert.equal(typeof res.json?.access_token, "string", show(res));

    const prof = await request(routes.profile(second.url), { headers: bearer(res.json.access_token) });
    assert.equal(prof.status, 200, show(prof));
    assert.equal(prof.json?.user_id, userId, show(prof));
  });
});

/** Runs fn, then stops the server and asserts a clean exit (0) after SIGTERM. */
async function stopAfter(server, fn) {
  let failure;
  try {
    await fn();
  } catch (err) {
    failure = err;
  }
  const code = await server.stop();
  if (failure) throw failure;
  assert.equal(code, 0, `exit code after SIGTERM (exit ${JSON.stringify(server.exitInfo())}); stderr:\n${server.stderr()}`);
}

test("10. an unimplemented provider answers 501 AuthProviderNotFound; anonymous still works", T, async () => {
  const appDir = await makeAppDir({
    appId: "function-abcde",
    name: "function",
    providers: {
      "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
      "custom-function": {
        name: "custom-function",
        type: "custom-function",
        disabled: false,
        config: { authFunctionName: "authFunc" },
      },
    },
  });
  const server = await startServer({ appDirs: [appDir] });
  try {
    assert.equal(server.apps.length, 1, server.stdout());
    assert.match(server.stderr(), /provider is configured but not implemented yet/);
    const app = newApp(server.url, server.apps[0].id);
    await assertRealmError(app.logIn(Realm.Credentials.function({ username: "ada" })), {
      statusCode: 501,
      errorCode: "AuthProviderNotFound",
    });
    const user = await app.logIn(Realm.Credentials.anonymous());
    assert.match(user.id, HEX24);
    assert.equal(user.providerType, "anon-user");
  } finally {
    await server.stop();
  }
});

test("11. several apps: one line each, location works for each, unknown app is 404", T, async () => {
  const dirA = await makeAppDir({ appId: "alpha-abcde", name: "alpha" });
  const dirB = await makeAppDir({ appId: "beta-fghij", name: "beta" });
  const server = await startServer({ appDirs: [dirA, dirB] });
  try {
    const byName = Object.fromEntries(server.apps.map((a) => [a.name, a.id]));
    assert.equal(server.apps.length, 2, server.stdout());
    assert.deepEqual(Object.keys(byName).sort(), ["alpha", "beta"], server.stdout());
    assert.equal(byName.alpha, "alpha-abcde", "the client app id is root_config.json's app_id");
    assert.equal(byName.beta, "beta-fghij", "the client app id is root_config.json's app_id");

    for (const { id } of server.apps) {
      const res = await request(routes.location(server.url, id));
      assert.equal(res.status, 200, show(res));
      assert.equal(res.json?.hostname, server.url, show(res));

      const app = newApp(server.url, id);
      const user = await app.logIn(Realm.Credentials.anonymous());
      assert.match(user.id, HEX24);
    }

    const unknown = await request(routes.location(server.url, "no-such-app-zzzzz"));
    assert.equal(unknown.status, 404, show(unknown));
    assert.equal(unknown.contentType, "application/json", show(unknown));
    assert.equal(unknown.json?.error_code, "AppNotFound", show(unknown));

    const app = newApp(server.url, "no-such-app-zzzzz");
    await assertRealmError(app.logIn(Realm.Credentials.anonymous()), {
      statusCode: 404,
      errorCode: "AppNotFound",
    });
  } finally {
    await server.stop();
  }
});

test("13. tokens of another guestpass deployment are refused with 401 InvalidSession", T, async () => {
  const a = await startServer();
  await stopAfter(a, async () => {
    const b = await startServer();
    await stopAfter(b, async () => {
      const login = await rawAnonLogin(a.url, a.apps[0].id);
      assert.equal(login.status, 200, show(login));
      // Signed by A's key: B must not accept it on any token endpoint.
      const prof = await request(routes.profile(b.url), { headers: bearer(login.json.access_token) });
      assert.equal(prof.status, 401, show(prof));
      assert.equal(prof.json?.error_code, "InvalidSession", show(prof));
      const refresh = await request(routes.session(b.url), { method: "POST", headers: bearer(login.json.refresh_token) });
      assert.equal(refresh.status, 401, show(refresh));
      assert.equal(refresh.json?.error_code, "InvalidSession", show(refresh));
      // And A still accepts it.
      const own = await request(routes.profile(a.url), { headers: bearer(login.json.access_token) });
      assert.equal(own.status, 200, show(own));
    });
  });
});

test("14. an invalid app directory stops the start with the file, the field and what is wrong", T, async () => {
  const dir = await makeAppDir({
    appId: "broken-app",
    name: "broken",
    providers: { "anon-user": { name: "anon-user", type: "anon-usr", disabled: false } },
  });
  await assert.rejects(startServer({ appDirs: [dir] }), (err) => {
    assert.match(err.message, /providers\.json/);
    assert.match(err.message, /anon-user\.type/);
    assert.match(err.message, /must equal the provider name/);
    return true;
  });
});
