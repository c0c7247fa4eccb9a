// End-to-end tests of asymmetric token signing: a server started with
// --signing-alg ES256 serves realm-web as before, and another service can
// verify its access tokens with nothing but GET /.well-known/jwks.json (Node's
// crypto here, as a verifier would); a rotation to RS256 while it runs lists
// both keys and then signs with RS256; the retired ES256 key leaves the JWK Set
// and its tokens stop working. A default (HS256) server publishes no key.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test jwks.test.mjs

import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import * as Realm from "realm-web";

import { API, keysCommand, makeAppDir, request, show, sleep, startServer } from "./lib/server.mjs";

const T = { timeout: 60_000 };
const servers = [];
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

after(async () => {
  for (const s of servers) await s.stop();
});

async function start(options) {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const headerOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString());

async function jwks(server) {
  const res = await request(`${server.url}/.well-known/jwks.json`);
  assert.equal(res.status, 200, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  return res;
}

/** Verifies a JWT as a separate service would: its kid's JWK from the set, the JWK's alg. */
function verifyWithJwks(jwt, set) {
  const [header, payload, signature] = jwt.split(".");
  const { alg, kid } = headerOf(jwt);
  const jwk = set.keys.find((k) => k.kid === kid);
  if (!jwk || jwk.alg !== alg) return false;
  const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
  const input = Buffer.from(`${header}.${payload}`);
  const sig = Buffer.from(signature, "base64url");
  if (alg === "ES256") return crypto.verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, sig);
  if (alg === "RS256") return crypto.verify("sha256", input, key, sig);
  return false;
}

async function anonLogin(server, appId) {
  const res = await request(`${server.url}${API}/app/${appId}/auth/providers/anon-user/login`, { method: "POST", json: {} });
  assert.equal(res.status, 200, show(res));
  return res.json;
}
const profileStatus = async (server, access) =>
  (await request(`${server.url}${API}/auth/profile`, { headers: bearer(access) })).status;

/** Polls `check` (async, truthy when done) every 50 ms for up to `ms`. */
async function within(ms, check, what) {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

test("ES256 tokens verify against the JWK Set; a rotation to RS256 and the ES256 key's retirement show there", T, async () => {
  const appDir = await makeAppDir({ appId: "jwks-abcde", name: "jwks" });
  const server = await start({ appDirs: [appDir], args: ["--signing-alg", "ES256"] });
  const appId = server.apps[0].id;

  // realm-web logs in and reads its profile (with the access token) as with HS256.
  const app = new Realm.App({ id: appId, baseUrl: server.url, storage: new MemoryStorage() });
  const user = await app.logIn(Realm.Credentials.anonymous());
  assert.equal(user.providerType, "anon-user");
  const esAccess = user.accessToken;
  const { alg, kid: esKid, typ } = headerOf(esAccess);
  assert.deepEqual({ alg, typ }, { alg: "ES256", typ: "JWT" });
  assert.equal(headerOf(user.refreshToken).alg, "ES256");
  await user.refreshProfile();

  let res = await jwks(server);
  assert.match(res.headers.get("cache-control"), /max-age=3\b/);
  let set = res.json;
  assert.equal(set.keys.length, 1, res.text);
  const [jwk] = set.keys;
  assert.deepEqual(Object.keys(jwk).sort(), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
  assert.deepEqual({ kty: jwk.kty, crv: jwk.crv, alg: jwk.alg, use: jwk.use, kid: jwk.kid }, {
    kty: "EC",
    crv: "P-256",
    alg: "ES256",
    use: "sig",
    kid: esKid,
  });
  assert.equal(Buffer.from(esAccess.split(".")[2], "base64url").length, 64, "r || s, not DER");
  assert.ok(verifyWithJwks(esAccess, set), "the access token verifies with the published key");
  assert.ok(verifyWithJwks(user.refreshToken, set), "and the refresh token");
  // A changed payload does not.
  const [h, p, s] = esAccess.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString("base64url")}.${s}`;
  assert.equal(verifyWithJwks(forged, set), false);
  assert.equal(await profileStatus(server, forged), 401);

  // Rotate to RS256 while the server runs: listed at once (pending), signing 2 s later.
  const rotated = await keysCommand(server, ["rotate", "--alg", "RS256", "--activate-in", "2"]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const rsKid = /added signing key ([0-9a-f]{24}) \(RS256\)/.exec(rotated.stdout)?.[1];
  assert.ok(rsKid, rotated.stdout);
  const list = await keysCommand(server, ["list"]);
  assert.match(list.stdout, new RegExp(`^${esKid}\\s+ES256\\s`, "m"), list.stdout);
  assert.match(list.stdout, new RegExp(`^${rsKid}\\s+RS256\\s`, "m"), list.stdout);
  await within(2000, async () => (await jwks(server)).json.keys.length === 2, "the RS256 key is published");
  set = (await jwks(server)).json;
  assert.deepEqual(set.keys.map((k) => [k.kid, k.alg, k.kty]), [[esKid, "ES256", "EC"], [rsKid, "RS256", "RSA"]]);
  const rsaJwk = set.keys[1];
  assert.deepEqual(Object.keys(rsaJwk).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
  assert.equal(Buffer.from(rsaJwk.n, "base64url").length, 256, "2048 bits");

  let rsLogin;
  await within(8000, async () => {
    rsLogin = await anonLogin(server, appId);
    return headerOf(rsLogin.access_token).kid === rsKid;
  }, "the RS256 key signs");
  assert.equal(headerOf(rsLogin.access_token).alg, "RS256");
  assert.ok(verifyWithJwks(rsLogin.access_token, set), "an RS256 access token verifies with the published key");
  assert.equal(await profileStatus(server, rsLogin.access_token), 200);
  assert.equal(await profileStatus(server, esAccess), 200, "the ES256 key still verifies its tokens");

  // Retire the ES256 key: it leaves the JWK Set and its tokens stop working.
  const retired = await keysCommand(server, ["retire", esKid]);
  assert.equal(retired.code, 0, retired.stderr);
  await within(2000, async () => (await jwks(server)).json.keys.length === 1, "the ES256 key leaves the JWK Set");
  set = (await jwks(server)).json;
  assert.deepEqual(set.keys.map((k) => k.kid), [rsKid]);
  assert.equal(await profileStatus(server, esAccess), 401);
  assert.equal(await profileStatus(server, rsLogin.access_token), 200);
  assert.ok(verifyWithJwks(rsLogin.access_token, set));
});

test("an HS256 server publishes no key; an unknown --signing-alg stops the start", T, async () => {
  const appDir = await makeAppDir({ appId: "hs-abcde", name: "hs" });
  const server = await start({ appDirs: [appDir] });
  const res = await jwks(server);
  assert.equal(res.text, '{"keys":[]}');
  assert.equal(headerOf((await anonLogin(server, server.apps[0].id)).access_token).alg, "HS256");
  // The next start with --signing-alg ES256 keeps the store's key (and says so).
  await server.stop();
  servers.pop();
  const again = await start({ dataDir: server.dataDir, appDirs: [appDir], args: ["--signing-alg", "ES256"] });
  assert.equal(headerOf((await anonLogin(again, again.apps[0].id)).access_token).alg, "HS256");
  assert.match(again.stderr(), /--signing-alg chooses the algorithm of a new store's first key only/);
  const bad = await keysCommand(again, ["rotate", "--alg", "es256"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--alg: expected HS256, ES256 or RS256, got 'es256'/);
  await assert.rejects(start({ args: ["--signing-alg", "none"] }), /--signing-alg: expected HS256, ES256 or RS256/);
});
