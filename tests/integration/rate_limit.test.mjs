// End-to-end tests of issue 4's first slice: anonymous sign-up limits per
// client address (token bucket, 429 + Retry-After, trusted proxies) and the
// per-app session settings of guestpass.json.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";

import { decodeJwtPayload, makeAppDir, rawAnonLogin, request, routes, show, sleep, startServer } from "./lib/server.mjs";

const T = { timeout: 30_000 };
const ANON = { "anon-user": { name: "anon-user", type: "anon-user", disabled: false } };

async function appDir(appId, settings) {
  const dir = await makeAppDir({ appId, name: appId.split("-")[0], providers: ANON });
  if (settings !== undefined) await fs.writeFile(path.join(dir, "guestpass.json"), JSON.stringify(settings));
  return dir;
}

const login = (server, appId, headers = {}) => rawAnonLogin(server.url, appId, undefined, headers);

/** POSTs {} with node:http, which sends an array-valued header as separate lines (fetch would join them). */
function postWithHeaderLines(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

function assertLimited(res) {
  assert.equal(res.status, 429, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.equal(res.json?.error_code, "TooManyRequests", show(res));
  assert.match(res.headers.get("retry-after") ?? "", /^[1-9][0-9]*$/, show(res));
  assert.ok(res.headers.get("access-control-allow-origin"), "429s carry CORS headers too");
}

test("sign-ups beyond the burst get 429 with Retry-After, and the bucket refills", T, async () => {
  const server = await startServer({ env: { GUESTPASS_SIGNUPS_PER_HOUR: "3600", GUESTPASS_SIGNUP_BURST: "3" } });
  try {
    const appId = server.apps[0].id;
    for (let i = 0; i < 3; i++) assert.equal((await login(server, appId)).status, 200);
    const refused = await login(server, appId);
    assertLimited(refused);
    assert.equal(refused.headers.get("retry-after"), "1");
    await sleep(1100);
    assert.equal((await login(server, appId)).status, 200, "one token refilled after a second at 3600/h");
  } finally {
    await server.stop();
  }
});

test("X-Forwarded-For from an untrusted peer is ignored", T, async () => {
  const server = await startServer({ env: { GUESTPASS_SIGNUPS_PER_HOUR: "1", GUESTPASS_SIGNUP_BURST: "2" } });
  try {
    const appId = server.apps[0].id;
    assert.equal((await login(server, appId, { "X-Forwarded-For": "198.51.100.1" })).status, 200);
    assert.equal((await login(server, appId, { "X-Forwarded-For": "198.51.100.2" })).status, 200);
    assertLimited(await login(server, appId, { "X-Forwarded-For": "198.51.100.3" }));
  } finally {
    await server.stop();
  }
});

test("behind a trusted proxy each forwarded client has its own bucket; other headers are ignored", T, async () => {
  const server = await startServer({
    env: { GUESTPASS_SIGNUPS_PER_HOUR: "1", GUESTPASS_SIGNUP_BURST: "1", GUESTPASS_TRUSTED_PROXIES: "127.0.0.0/8" },
  });
  try {
    const appId = server.apps[0].id;
    assert.equal((await login(server, appId, { "X-Forwarded-For": "198.51.100.1" })).status, 200);
    assert.equal((await login(server, appId, { "X-Forwarded-For": "198.51.100.2" })).status, 200);
    assertLimited(await login(server, appId, { "X-Forwarded-For": "198.51.100.1" }));
    // A spoofed first X-Forwarded-For line does not hide the proxy's own line.
    const both = await postWithHeaderLines(routes.login(server.url, appId), {
      "X-Forwarded-For": ["203.0.113.77", "198.51.100.2"],  // two separate lines
    });
    assert.equal(both.status, 429, `spoofed first line must not win: ${both.status} ${both.body}`);
    assert.equal(JSON.parse(both.body).error_code, "TooManyRequests");
    // X-Real-IP is not believed: this counts as 127.0.0.1 (the proxy itself), first use.
    assert.equal((await login(server, appId, { "X-Real-IP": "198.51.100.1" })).status, 200);
    assertLimited(await login(server, appId, { "X-Real-IP": "198.51.100.9" }));
  } finally {
    await server.stop();
  }
});

test("an app's guestpass.json overrides the server's default limit; refresh is never limited", T, async () => {
  const open = await appDir("open-abcde", { anonymous: { signups_per_hour: 0 } });
  const strict = await appDir("strict-abcde");
  const server = await startServer({
    appDirs: [open, strict],
    env: { GUESTPASS_SIGNUPS_PER_HOUR: "1", GUESTPASS_SIGNUP_BURST: "1" },
  });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await login(server, "open-abcde")).status, 200, `open app login ${i}`);
    const first = await login(server, "strict-abcde");
    assert.equal(first.status, 200, show(first));
    assertLimited(await login(server, "strict-abcde"));
    for (let i = 0; i < 5; i++) {
      const res = await request(routes.session(server.url), {
        method: "POST",
        headers: { Authorization: `Bearer ${first.json.refresh_token}` },
      });
      assert.equal(res.status, 201, show(res));
    }
  } finally {
    await server.stop();
  }
});

test("anonymous refresh tokens last 50 years by default; 'fixed' uses the app's refresh-token lifetime", T, async () => {
  const fixed = await appDir("fixed-abcde", {
    refresh_token_expiration_seconds: 3600,
    anonymous: { session_expiry: "fixed" },
  });
  const active = await appDir("active-abcde", { refresh_token_expiration_seconds: 3600 });
  const server = await startServer({ appDirs: [fixed, active] });
  try {
    const a = decodeJwtPayload((await login(server, "active-abcde")).json.refresh_token);
    assert.equal(a.exp - a.iat, 50 * 365 * 24 * 3600);
    const f = decodeJwtPayload((await login(server, "fixed-abcde")).json.refresh_token);
    assert.equal(f.exp - f.iat, 3600);
  } finally {
    await server.stop();
  }
});

test("an invalid guestpass.json stops the start, naming the file and the field", T, async () => {
  const bad = await appDir("bad-abcde", { refresh_token_expiration_seconds: 10 });
  await assert.rejects(startServer({ appDirs: [bad] }), (err) => {
    assert.match(err.message, /guestpass\.json/);
    assert.match(err.message, /refresh_token_expiration_seconds/);
    return true;
  });
  const unknown = await appDir("unknown-abcde", { anonymous: { sign_ups: 3 } });
  await assert.rejects(startServer({ appDirs: [unknown] }), /anonymous\.sign_ups/);
});
