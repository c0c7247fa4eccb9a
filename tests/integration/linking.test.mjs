// End-to-end tests of account linking (client-api.md sections 5, 6, 12, 15):
// user API keys (create / fetch / enable / disable / delete, login with a key),
// linking an API key or a custom JWT to an anonymous user with realm-web 2.0.1,
// link conflicts and their status codes, and concurrent links of one identity.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test linking.test.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import * as Realm from "realm-web";

import {
  decodeJwtPayload,
  makeAppDir,
  rawAnonLogin,
  request,
  routes,
  show,
  startServer,
  tamperPayload,
} from "./lib/server.mjs";
import { LINK_TIMEOUT_MS, MemoryStorage, assertError, assertRealmError, bearer, withTimeout } from "./lib/realm_assert.mjs";

const HEX24 = /^[0-9a-f]{24}$/;
const T = { timeout: 30_000 };

const APP_ID = "linking-abcde"; // anon-user, api-key, custom-token enabled
const OTHER_APP_ID = "nokeys-fghij"; // anon-user enabled; api-key and custom-token disabled

const JWT_SECRET = "guestpass-linking-test-secret-0123456789";
const JWT_AUDIENCE = "guestpass-test";

const customTokenProvider = (disabled) => ({
  name: "custom-token",
  type: "custom-token",
  disabled,
  config: {
    signingAlgorithm: "HS256",
    signingKeys: [JWT_SECRET],
    audience: [JWT_AUDIENCE],
    requireAnyAudience: false,
  },
  metadata_fields: [
    { required: false, name: "email", field_name: "email" },
    { required: false, name: "profile.first", field_name: "first_name" },
  ],
});

const PROVIDERS = {
  "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
  "api-key": { name: "api-key", type: "api-key", disabled: false },
  "custom-token": customTokenProvider(false),
};

const OTHER_PROVIDERS = {
  "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
  "api-key": { name: "api-key", type: "api-key", disabled: true },
  "custom-token": customTokenProvider(true),
};






// --- custom JWTs -----------------------------------------------------------

const b64urlJson = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An HS256 JWT (or any header) signed with `secret` over base64url(header).base64url(payload). */
function signJwt(payload, { secret = JWT_SECRET, header = { alg: "HS256", typ: "JWT" } } = {}) {
  const input = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  const signature = createHmac("sha256", secret).update(input).digest("base64url");
  return `${input}.${signature}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const newSub = () => `sub-${randomUUID()}`;

function claimsFor(sub, extra = {}) {
  const now = nowSeconds();
  return {
    sub,
    iat: now,
    exp: now + 600,
    aud: JWT_AUDIENCE,
    email: `${sub}@example.com`,
    profile: { first: "Ada" },
    ...extra,
  };
}

const jwtFor = (sub, extra) => signJwt(claimsFor(sub, extra));

// ---------------------------------------------------------------------------

describe("account linking", () => {
  let server;

  const newApp = (appId = APP_ID) =>
    new Realm.App({ id: appId, baseUrl: server.url, storage: new MemoryStorage() });

  /** A fresh anonymous realm-web user of `appId` (each on its own App). */
  const anonUser = (appId = APP_ID) => newApp(appId).logIn(Realm.Credentials.anonymous());

  /** Raw anonymous login; returns the login body. */
  async function rawAnon(appId = APP_ID) {
    const res = await rawAnonLogin(server.url, appId);
    assert.equal(res.status, 200, show(res));
    return res.json;
  }

  async function rawProfile(accessToken) {
    const res = await request(routes.profile(server.url), { headers: bearer(accessToken) });
    assert.equal(res.status, 200, show(res));
    return res.json;
  }

  /** The profile's identities as [provider_type, id] pairs, in order. */
  async function identityPairs(accessToken) {
    const p = await rawProfile(accessToken);
    assert.ok(Array.isArray(p.identities), JSON.stringify(p));
    return p.identities.map((i) => [i.provider_type, i.id]);
  }

  /** Raw POST .../{provider}/login?link=true with the access token (omit it for no Authorization header). */
  function rawLink(provider, body, accessToken, appId = APP_ID) {
    return request(routes.link(server.url, appId, provider), {
      method: "POST",
      json: body,
      headers: accessToken === undefined ? {} : bearer(accessToken),
    });
  }

  function rawLogin(provider, body, appId = APP_ID) {
    return request(routes.login(server.url, appId, provider), { method: "POST", json: body });
  }

  /** Raw create of a user API key with a refresh token; returns the key object. */
  async function rawCreateKey(refreshToken, name) {
    const res = await request(routes.apiKeys(server.url), {
      method: "POST",
      json: { name },
      headers: bearer(refreshToken),
    });
    assert.ok(res.status === 200 || res.status === 201, show(res));
    assert.match(res.json?._id ?? "", HEX24, show(res));
    assert.equal(typeof res.json?.key, "string", show(res));
    return res.json;
  }

  /** A different key with the same key id and the same length: right shape, wrong secret. */
  function wrongSecret(key) {
    const secret = key.slice(24);
    const flipped = [...secret].map((c) => (c === "A" ? "B" : "A")).join("");
    return key.slice(0, 24) + flipped;
  }

  before(async () => {
    const dir = await makeAppDir({ appId: APP_ID, name: "linking", providers: PROVIDERS });
    const otherDir = await makeAppDir({ appId: OTHER_APP_ID, name: "nokeys", providers: OTHER_PROVIDERS });
    server = await startServer({ appDirs: [dir, otherDir] });
    const ids = server.apps.map((a) => a.id).sort();
    assert.deepEqual(ids, [APP_ID, OTHER_APP_ID].sort(), server.stdout());
  });

  after(async () => {
    if (server) await server.stop();
  });

  // 1 ------------------------------------------------------------------------

  test("1. realm-web: create an API key, link it to an anonymous user, log out, log in with the key", T, async () => {
    const app = newApp();
    const user = await app.logIn(Realm.Credentials.anonymous());
    const userId = user.id;
    const refreshToken = user.refreshToken;
    assert.match(userId, HEX24);

    const key = await user.apiKeys.create("k1");
    assert.equal(typeof key._id, "string", `_id must be a plain string: ${JSON.stringify(key)}`);
    assert.match(key._id, HEX24, JSON.stringify(key));
    assert.equal(typeof key.key, "string", JSON.stringify(key));
    assert.equal(key.key.length, 64, JSON.stringify(key));
    assert.equal(key.name, "k1", JSON.stringify(key));
    assert.equal(key.disabled, false, JSON.stringify(key));

    const all = await user.apiKeys.fetchAll();
    assert.ok(Array.isArray(all), JSON.stringify(all));
    assert.equal(all.length, 1, JSON.stringify(all));
    assert.equal(all[0]._id, key._id, JSON.stringify(all));
    assert.equal(all[0].name, "k1", JSON.stringify(all));
    assert.equal(all[0].disabled, false, JSON.stringify(all));
    assert.ok(!("key" in all[0]), `fetchAll must not return the secret: ${JSON.stringify(all)}`);

    const one = await user.apiKeys.fetch(key._id);
    assert.equal(one._id, key._id, JSON.stringify(one));
    assert.equal(one.name, "k1", JSON.stringify(one));
    assert.equal(one.disabled, false, JSON.stringify(one));
    assert.ok(!("key" in one), `fetch must not return the secret: ${JSON.stringify(one)}`);

    await withTimeout(user.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");
    assert.equal(user.id, userId);
    assert.deepEqual(
      user.identities.map((i) => i.providerType),
      ["anon-user", "api-key"],
      JSON.stringify(user.identities),
    );
    assert.equal(user.identities[1].id, key._id, JSON.stringify(user.identities));
    assert.equal(user.refreshToken, refreshToken, "linking must not replace the refresh token");

    const profile = await rawProfile(user.accessToken);
    assert.equal(profile.user_id, userId, JSON.stringify(profile));
    assert.equal(profile.data?.name, "k1", JSON.stringify(profile));
    assert.deepEqual(
      profile.identities.map((i) => [i.provider_type, i.id]),
      [["anon-user", user.identities[0].id], ["api-key", key._id]],
      JSON.stringify(profile),
    );

    // The original session survives the link.
    const refreshed = await request(routes.session(server.url), { method: "POST", headers: bearer(refreshToken) });
    assert.equal(refreshed.status, 201, show(refreshed));
    assert.equal(decodeJwtPayload(refreshed.json.access_token).sub, userId);

    await user.logOut();
    assert.equal(user.state, "logged-out");

    // Control: a plain anonymous user's logout is logged as a deletion. Once its
    // line is there, the linked user's logout (earlier) has been logged too.
    const control = await anonUser();
    const controlId = control.id;
    await control.logOut();
    const deletedLine = (id) => (l) => l.includes("deleted anonymous user") && l.includes(id);
    try {
      await server.waitForStderr(new RegExp(`deleted anonymous user.*${controlId}`), 3000);
    } catch {
      assert.fail(`the control user's logout was not logged as a deletion; stderr:\n${server.stderr()}`);
    }
    const lines = server.stderr().split("\n");
    assert.equal(
      lines.filter(deletedLine(userId)).length,
      0,
      `a user with a linked API key must not be deleted at logout:\n${lines.filter((l) => l.includes(userId)).join("\n")}`,
    );

    const fresh = newApp();
    const again = await fresh.logIn(Realm.Credentials.apiKey(key.key));
    assert.equal(again.id, userId);
    assert.deepEqual(
      again.identities.map((i) => [i.providerType, i.id]),
      [["anon-user", user.identities[0].id], ["api-key", key._id]],
    );
  });

  // 4 ------------------------------------------------------------------------

  test("4. raw link response: access_token, user_id, device_id, no refresh_token; the new token works", T, async () => {
    const login = await rawAnon();
    const key = await rawCreateKey(login.refresh_token, "raw-link");
    const res = await rawLink("api-key", { key: key.key, options: { device: { sdkVersion: "2.0.1", platform: "node", platformVersion: "20" } } }, login.access_token);
    assert.equal(res.status, 200, show(res));
    assert.equal(res.contentType, "application/json", show(res));
    const body = res.json;
    assert.ok(!("refresh_token" in body), `a link response carries no refresh_token: ${res.text}`);
    assert.ok(!("error" in body) && !("error_code" in body), show(res));
    assert.equal(typeof body.access_token, "string", show(res));
    assert.equal(body.user_id, login.user_id, show(res));
    assert.equal(typeof body.device_id, "string", show(res));
    assert.match(body.device_id, HEX24, show(res));
    assert.equal(body.device_id, login.device_id, "the link continues the same session and device");
    assert.equal(decodeJwtPayload(body.access_token).sub, login.user_id);

    const viaNew = await rawProfile(body.access_token);
    assert.equal(viaNew.user_id, login.user_id, JSON.stringify(viaNew));
    assert.deepEqual(
      viaNew.identities.map((i) => i.provider_type),
      ["anon-user", "api-key"],
      JSON.stringify(viaNew),
    );
    // The previous access token and the refresh token stay valid.
    const viaOld = await rawProfile(login.access_token);
    assert.equal(viaOld.user_id, login.user_id);
    const refreshed = await request(routes.session(server.url), { method: "POST", headers: bearer(login.refresh_token) });
    assert.equal(refreshed.status, 201, show(refreshed));
  });

  // 2 ------------------------------------------------------------------------

  test("2a. disable / enable an API key", T, async () => {
    const user = await anonUser();
    const key = await user.apiKeys.create("toggle");
    await withTimeout(user.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");

    await user.apiKeys.disable(key._id);
    assert.equal((await user.apiKeys.fetch(key._id)).disabled, true);
    assert.equal((await user.apiKeys.fetchAll()).find((k) => k._id === key._id)?.disabled, true);
    await assertRealmError(
      newApp().logIn(Realm.Credentials.apiKey(key.key)),
      { statusCode: 401, errorCode: "AuthError" },
      "login with a disabled key",
    );
    const raw = await rawLogin("api-key", { key: key.key });
    assertError(raw, 401, "AuthError");

    await user.apiKeys.enable(key._id);
    assert.equal((await user.apiKeys.fetch(key._id)).disabled, false);
    const again = await newApp().logIn(Realm.Credentials.apiKey(key.key));
    assert.equal(again.id, user.id);
  });

  test("2b. delete an API key: login fails and the identity leaves the profile", T, async () => {
    const user = await anonUser();
    const anonIdentity = user.identities[0].id;
    const key = await user.apiKeys.create("doomed");
    await withTimeout(user.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");
    assert.deepEqual(await identityPairs(user.accessToken), [["anon-user", anonIdentity], ["api-key", key._id]]);

    await user.apiKeys.delete(key._id);
    assert.deepEqual(await user.apiKeys.fetchAll(), []);
    await assertRealmError(user.apiKeys.fetch(key._id), { statusCode: 404, errorCode: "APIKeyNotFound" }, "fetch deleted key");
    await assertRealmError(
      newApp().logIn(Realm.Credentials.apiKey(key.key)),
      { statusCode: 401, errorCode: "AuthError" },
      "login with a deleted key",
    );
    assertError(await rawLogin("api-key", { key: key.key }), 401, "AuthError");

    assert.deepEqual(await identityPairs(user.accessToken), [["anon-user", anonIdentity]]);
    await user.refreshProfile();
    assert.deepEqual(user.identities.map((i) => i.providerType), ["anon-user"]);
  });

  test("2c. another user's key id: fetch / disable / enable / delete answer 404 APIKeyNotFound", T, async () => {
    const owner = await anonUser();
    const key = await owner.apiKeys.create("mine");
    await withTimeout(owner.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");
    const intruder = await anonUser();

    const notFound = { statusCode: 404, errorCode: "APIKeyNotFound" };
    await assertRealmError(intruder.apiKeys.fetch(key._id), notFound, "fetch another user's key");
    await assertRealmError(intruder.apiKeys.disable(key._id), notFound, "disable another user's key");
    await assertRealmError(intruder.apiKeys.enable(key._id), notFound, "enable another user's key");
    await assertRealmError(intruder.apiKeys.delete(key._id), notFound, "delete another user's key");
    assert.deepEqual(await intruder.apiKeys.fetchAll(), []);

    // Nothing happened to the owner's key.
    const still = await owner.apiKeys.fetch(key._id);
    assert.equal(still.disabled, false, JSON.stringify(still));
    const viaKey = await newApp().logIn(Realm.Credentials.apiKey(key.key));
    assert.equal(viaKey.id, owner.id);

    // An id that was never issued.
    await assertRealmError(owner.apiKeys.fetch("0123456789abcdef01234567"), notFound, "fetch unknown key id");
  });

  test("2g. a key of an anonymous owner logs in only after it is linked (the owner would be deleted at logout)", T, async () => {
    const owner = await anonUser();
    const key = await owner.apiKeys.create("unlinked");
    await assertRealmError(
      newApp().logIn(Realm.Credentials.apiKey(key.key)),
      { statusCode: 401, errorCode: "AuthError" },
      "login with an unlinked key of an anonymous user",
    );
    await withTimeout(owner.linkCredentials(Realm.Credentials.apiKey(key.key)), "linkCredentials(apiKey)");
    const viaKey = await newApp().logIn(Realm.Credentials.apiKey(key.key));
    assert.equal(viaKey.id, owner.id);
  });

  test("2d. a duplicate key name answers 409 APIKeyAlreadyExists", T, async () => {
    const user = await anonUser();
    await user.apiKeys.create("same");
    await assertRealmError(user.apiKeys.create("same"), { statusCode: 409, errorCode: "APIKeyAlreadyExists" }, "duplicate name");
    const all = await user.apiKeys.fetchAll();
    assert.equal(all.filter((k) => k.name === "same").length, 1, JSON.stringify(all));
  });

  test("2e. /auth/api_keys needs the refresh token: none -> MissingAuthReq, access token -> InvalidSession", T, async () => {
    const login = await rawAnon();
    const key = await rawCreateKey(login.refresh_token, "auth-check");

    const cases = [
      ["POST", routes.apiKeys(server.url), { name: "x" }],
      ["GET", routes.apiKeys(server.url), undefined],
      ["GET", routes.apiKey(server.url, key._id), undefined],
      ["PUT", routes.apiKey(server.url, key._id) + "/disable", undefined],
      ["DELETE", routes.apiKey(server.url, key._id), undefined],
    ];
    for (const [method, url, json] of cases) {
      const none = await request(url, { method, json });
      assertError(none, 401, "MissingAuthReq");
      const withAccess = await request(url, { method, json, headers: bearer(login.access_token) });
      assertError(withAccess, 401, "InvalidSession");
    }
    // The key is untouched and still the only one.
    const list = await request(routes.apiKeys(server.url), { headers: bearer(login.refresh_token) });
    assert.equal(list.status, 200, show(list));
    assert.deepEqual(list.json.map((k) => [k._id, k.name, k.disabled]), [[key._id, "auth-check", false]], show(list));
  });

  test("2f. an app whose api-key provider is disabled refuses to create keys: 403 AuthProviderNotFound", T, async () => {
    const user = await anonUser(OTHER_APP_ID);
    await assertRealmError(user.apiKeys.create("nope"), { statusCode: 403, errorCode: "AuthProviderNotFound" }, "create key");
    const raw = await request(routes.apiKeys(server.url), {
      method: "POST",
      json: { name: "nope-raw" },
      headers: bearer(user.refreshToken),
    });
    assertError(raw, 403, "AuthProviderNotFound");
  });

  // 3 ------------------------------------------------------------------------

  describe("3. link conflicts", () => {
    let a; // realm-web user with its key linked
    let keyA;
    let b; // another user with its own key linked
    let keyB;
    let identitiesA;

    before(async () => {
      a = await anonUser();
      keyA = await a.apiKeys.create("a-key");
      await withTimeout(a.linkCredentials(Realm.Credentials.apiKey(keyA.key)), "setup link A");
      b = await anonUser();
      keyB = await b.apiKeys.create("b-key");
      await withTimeout(b.linkCredentials(Realm.Credentials.apiKey(keyB.key)), "setup link B");
      identitiesA = await identityPairs(a.accessToken);
      assert.deepEqual(identitiesA.map(([t]) => t), ["anon-user", "api-key"]);
    });

    const assertAUnchanged = async () => {
      assert.deepEqual(await identityPairs(a.accessToken), identitiesA, "A's identities changed after a failed link");
    };

    test("the same key again: 409 InvalidParameter 'already linked to this user'", T, async () => {
      const res = await rawLink("api-key", { key: keyA.key }, a.accessToken);
      assertError(res, 409, "InvalidParameter", /already linked to this user/);
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.apiKey(keyA.key)),
        { statusCode: 409, errorCode: "InvalidParameter" },
        "linkCredentials(own key again)",
      );
      await assertAUnchanged();
    });

    test("another user's key: 409 InvalidParameter 'another user'", T, async () => {
      const res = await rawLink("api-key", { key: keyB.key }, a.accessToken);
      assertError(res, 409, "InvalidParameter", /another user/);
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.apiKey(keyB.key)),
        { statusCode: 409, errorCode: "InvalidParameter" },
        "linkCredentials(B's key)",
      );
      await assertAUnchanged();
      // B still owns its key.
      const viaKey = await newApp().logIn(Realm.Credentials.apiKey(keyB.key));
      assert.equal(viaKey.id, b.id);
    });

    test("anonymous credentials: 400 InvalidParameter", T, async () => {
      const res = await rawLink("anon-user", { options: { device: { sdkVersion: "2.0.1", platform: "node", platformVersion: "20" } } }, a.accessToken);
      assertError(res, 400, "InvalidParameter");
      const bare = await rawLink("anon-user", {}, a.accessToken);
      assertError(bare, 400, "InvalidParameter");
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.anonymous()),
        { statusCode: 400, errorCode: "InvalidParameter" },
        "linkCredentials(anonymous)",
      );
      await assertAUnchanged();
    });

    test("a wrong key (right shape, wrong secret): 401 AuthError, not InvalidSession", T, async () => {
      const c = await anonUser();
      const keyC = await c.apiKeys.create("c-key");
      const wrong = wrongSecret(keyC.key);
      assert.equal(wrong.length, 64);
      assert.notEqual(wrong, keyC.key);
      const res = await rawLink("api-key", { key: wrong }, a.accessToken);
      assertError(res, 401, "AuthError");
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.apiKey(wrong)),
        { statusCode: 401, errorCode: "AuthError" },
        "linkCredentials(wrong key)",
      );
      // A random well-formed key whose id was never issued.
      const unknown = "0123456789abcdef01234567" + "x".repeat(40);
      assertError(await rawLink("api-key", { key: unknown }, a.accessToken), 401, "AuthError");
      await assertAUnchanged();
      // C's key was not linked anywhere by the attempt.
      assert.deepEqual((await identityPairs(c.accessToken)).map(([t]) => t), ["anon-user"]);
    });

    test("a disabled provider: 403 AuthProviderNotFound", T, async () => {
      const o = await anonUser(OTHER_APP_ID);
      const snapshot = await identityPairs(o.accessToken);
      const res = await rawLink("api-key", { key: keyA.key }, o.accessToken, OTHER_APP_ID);
      assertError(res, 403, "AuthProviderNotFound");
      await assertRealmError(
        o.linkCredentials(Realm.Credentials.apiKey(keyA.key)),
        { statusCode: 403, errorCode: "AuthProviderNotFound" },
        "linkCredentials through a disabled api-key provider",
      );
      const jwt = await rawLink("custom-token", { token: jwtFor(newSub()) }, o.accessToken, OTHER_APP_ID);
      assertError(jwt, 403, "AuthProviderNotFound");
      assert.deepEqual(await identityPairs(o.accessToken), snapshot);
      await assertAUnchanged();
    });

    test("a garbled access token: 401 InvalidSession", T, async () => {
      const c = await anonUser();
      const keyC = await c.apiKeys.create("c-key-2");
      for (const token of [tamperPayload(a.accessToken), "not-a-jwt", a.accessToken.slice(0, -3) + "AAA"]) {
        const res = await rawLink("api-key", { key: keyC.key }, token);
        assertError(res, 401, "InvalidSession");
      }
      // A refresh token is not an access token either.
      assertError(await rawLink("api-key", { key: keyC.key }, a.refreshToken), 401, "InvalidSession");
      await assertAUnchanged();
      assert.deepEqual((await identityPairs(c.accessToken)).map(([t]) => t), ["anon-user"]);
    });

    test("no Authorization header on a link: 401 MissingAuthReq", T, async () => {
      const res = await rawLink("api-key", { key: keyA.key }, undefined);
      assertError(res, 401, "MissingAuthReq");
      await assertAUnchanged();
    });

    test("an access token of another app's user: 403 UserAppDomainMismatch", T, async () => {
      const c = await anonUser();
      const keyC = await c.apiKeys.create("c-key-3");
      const o = await rawAnon(OTHER_APP_ID);
      const res = await rawLink("api-key", { key: keyC.key }, o.access_token, APP_ID);
      assertError(res, 403, "UserAppDomainMismatch");
      assert.deepEqual((await identityPairs(o.access_token)).map(([t]) => t), ["anon-user"]);
      assert.deepEqual((await identityPairs(c.accessToken)).map(([t]) => t), ["anon-user"]);
      // C can still link its own key.
      await withTimeout(c.linkCredentials(Realm.Credentials.apiKey(keyC.key)), "linkCredentials(C's key)");
      assert.deepEqual(c.identities.map((i) => i.providerType), ["anon-user", "api-key"]);
    });
  });

  // 5-7: custom JWT -----------------------------------------------------------

  test("5. realm-web: link a custom JWT to an anonymous user, log out, log in with a new JWT of the same sub", T, async () => {
    const app = newApp();
    const user = await app.logIn(Realm.Credentials.anonymous());
    const userId = user.id;
    const anonIdentity = user.identities[0].id;
    const sub = newSub();

    await withTimeout(user.linkCredentials(Realm.Credentials.jwt(jwtFor(sub))), "linkCredentials(jwt)");
    assert.equal(user.id, userId);
    assert.deepEqual(
      user.identities.map((i) => [i.providerType, i.id]),
      [["anon-user", anonIdentity], ["custom-token", sub]],
    );
    assert.equal(user.profile.email, `${sub}@example.com`, JSON.stringify(user.profile));
    assert.equal(user.profile.firstName, "Ada", JSON.stringify(user.profile));

    const profile = await rawProfile(user.accessToken);
    assert.equal(profile.user_id, userId);
    assert.equal(profile.data?.email, `${sub}@example.com`, JSON.stringify(profile));
    assert.equal(profile.data?.first_name, "Ada", JSON.stringify(profile));

    await user.logOut();

    const fresh = newApp();
    const again = await fresh.logIn(Realm.Credentials.jwt(jwtFor(sub, { iat: nowSeconds() - 5 })));
    assert.equal(again.id, userId);
    assert.deepEqual(
      again.identities.map((i) => [i.providerType, i.id]),
      [["anon-user", anonIdentity], ["custom-token", sub]],
    );
  });

  test("6. custom JWT login: a new sub makes a new user; bad tokens answer 401 AuthError", T, async () => {
    const sub = newSub();
    const app = newApp();
    const user = await app.logIn(Realm.Credentials.jwt(jwtFor(sub)));
    assert.match(user.id, HEX24);
    assert.deepEqual(user.identities.map((i) => [i.providerType, i.id]), [["custom-token", sub]]);
    const profile = await rawProfile(user.accessToken);
    assert.equal(profile.user_id, user.id);
    assert.equal(profile.data?.email, `${sub}@example.com`, JSON.stringify(profile));
    assert.equal(profile.data?.first_name, "Ada", JSON.stringify(profile));
    assert.equal(profile.identities[0].provider_type, "custom-token", JSON.stringify(profile));
    assert.equal(profile.identities[0].id, sub, JSON.stringify(profile));

    // Same sub again: same user. Another sub: another user.
    const same = await rawLogin("custom-token", { token: jwtFor(sub) });
    assert.equal(same.status, 200, show(same));
    assert.equal(same.json.user_id, user.id, show(same));
    const other = await rawLogin("custom-token", { token: jwtFor(newSub()) });
    assert.equal(other.status, 200, show(other));
    assert.notEqual(other.json.user_id, user.id, show(other));
    assert.equal(typeof other.json.refresh_token, "string", show(other));

    const now = nowSeconds();
    const bad = {
      "bad signature": signJwt(claimsFor(newSub()), { secret: "not-the-configured-secret-0123456789abcdef" }),
      "expired": jwtFor(newSub(), { iat: now - 700, exp: now - 100 }),
      "wrong audience": jwtFor(newSub(), { aud: "someone-else" }),
      "alg none": `${b64urlJson({ alg: "none", typ: "JWT" })}.${b64urlJson(claimsFor(newSub()))}.`,
      "alg none (HS256 signature kept)": (() => {
        const t = jwtFor(newSub());
        return `${b64urlJson({ alg: "none", typ: "JWT" })}.${t.split(".")[1]}.${t.split(".")[2]}`;
      })(),
    };
    for (const [what, token] of Object.entries(bad)) {
      const res = await rawLogin("custom-token", { token });
      assert.notEqual(res.json?.error_code, "InvalidSession", `${what}: ${show(res)}`);
      assert.equal(res.status, 401, `${what}: ${show(res)}`);
      assert.equal(res.json?.error_code, "AuthError", `${what}: ${show(res)}`);
    }
    await assertRealmError(
      newApp().logIn(Realm.Credentials.jwt(bad["bad signature"])),
      { statusCode: 401, errorCode: "AuthError" },
      "realm-web login with a badly signed JWT",
    );

    // A bad token on a link is AuthError too (an InvalidSession would make realm-web loop).
    const anon = await anonUser();
    const linkRes = await rawLink("custom-token", { token: bad["bad signature"] }, anon.accessToken);
    assertError(linkRes, 401, "AuthError");
    await assertRealmError(
      anon.linkCredentials(Realm.Credentials.jwt(bad.expired)),
      { statusCode: 401, errorCode: "AuthError" },
      "linkCredentials(expired jwt)",
    );
    assert.deepEqual((await identityPairs(anon.accessToken)).map(([t]) => t), ["anon-user"]);
  });

  test("7. two users link the same sub concurrently: exactly one wins, the other gets 409", T, async () => {
    for (let round = 0; round < 10; round++) {
      const [ua, ub] = await Promise.all([rawAnon(), rawAnon()]);
      const sub = newSub();
      const [ta, tb] = [jwtFor(sub), jwtFor(sub, { iat: nowSeconds() - 1 })];
      const [ra, rb] = await Promise.all([
        rawLink("custom-token", { token: ta }, ua.access_token),
        rawLink("custom-token", { token: tb }, ub.access_token),
      ]);
      const statuses = [ra.status, rb.status].sort();
      assert.deepEqual(statuses, [200, 409], `round ${round}:\n${show(ra)}\n${show(rb)}`);
      const [winner, loser, winnerRes, loserRes] = ra.status === 200 ? [ua, ub, ra, rb] : [ub, ua, rb, ra];
      assert.equal(winnerRes.json?.user_id, winner.user_id, show(winnerRes));
      assertError(loserRes, 409, "InvalidParameter", /another user/);

      const login = await rawLogin("custom-token", { token: jwtFor(sub) });
      assert.equal(login.status, 200, show(login));
      assert.equal(login.json.user_id, winner.user_id, `round ${round}: the sub must log in to the winner`);

      assert.deepEqual(
        (await identityPairs(winner.access_token)).map(([t, id]) => (t === "custom-token" ? [t, id] : [t])),
        [["anon-user"], ["custom-token", sub]],
      );
      assert.deepEqual((await identityPairs(loser.access_token)).map(([t]) => t), ["anon-user"]);
    }
  });
});
