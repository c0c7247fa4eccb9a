// End-to-end tests of guestpass's HTTP surface with raw fetch: location,
// routing, method and body errors, token errors, CORS and response hygiene.
//
// Every request here carries "Origin: http://example.test" and is recorded;
// the last tests check CORS headers, content types and body shapes over every
// recorded response (errors included).
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test --test-concurrency=1 .

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";

import { API, rawAnonLogin, request, routes, show, startServer, tamperPayload } from "./lib/server.mjs";

const ORIGIN = "http://example.test";
const HEX24 = /^[0-9a-f]{24}$/;
const DEVICE = { sdkVersion: "2.0.1", platform: "node", platformVersion: "20" };
const T = { timeout: 30_000 };

let server;
let appId;
let tokens; // {access_token, refresh_token, user_id} of one anonymous login
const seen = []; // every response received in this file

/** request() with the Origin header, recording the response. */
async function req(url, opts = {}) {
  const res = await request(url, { ...opts, headers: { Origin: ORIGIN, ...(opts.headers || {}) } });
  seen.push(res);
  return res;
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

function assertError(res, status, errorCode) {
  assert.equal(res.status, status, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.ok(res.json && typeof res.json === "object", show(res));
  assert.equal(typeof res.json.error, "string", show(res));
  assert.equal(typeof res.json.error_code, "string", show(res));
  if (errorCode !== undefined) assert.equal(res.json.error_code, errorCode, show(res));
}

function assertCors(res) {
  assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN, show(res));
  const vary = (res.headers.get("vary") || "").split(",").map((v) => v.trim().toLowerCase());
  assert.ok(vary.includes("origin"), `vary=${res.headers.get("vary")}: ${show(res)}`);
}

before(async () => {
  server = await startServer();
  assert.equal(server.apps.length, 1, `expected one default app line, stdout:\n${server.stdout()}`);
  appId = server.apps[0].id;
  const res = await req(routes.login(server.url, appId), { method: "POST", json: { options: { device: DEVICE } } });
  assert.equal(res.status, 200, show(res));
  tokens = res.json;
});

after(async () => {
  if (server) await server.stop();
});

test("location answers 200 with hostname, ws_hostname, deployment_model, location", T, async () => {
  const res = await req(routes.location(server.url, appId));
  assert.equal(res.status, 200, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.equal(res.json.hostname, server.url, show(res));
  assert.ok(!res.json.hostname.endsWith("/"), show(res));
  assert.equal(typeof res.json.ws_hostname, "string", show(res));
  assert.ok(res.json.ws_hostname.startsWith("ws://"), show(res));
  assert.equal(typeof res.json.deployment_model, "string", show(res));
  assert.equal(typeof res.json.location, "string", show(res));
  assertCors(res);
});

test("unknown app id: 404 AppNotFound on location and login", T, async () => {
  const loc = await req(routes.location(server.url, "no-such-app-zzzzz"));
  assertError(loc, 404, "AppNotFound");
  const login = await req(routes.login(server.url, "no-such-app-zzzzz"), { method: "POST", json: { options: { device: DEVICE } } });
  assertError(login, 404, "AppNotFound");
});

test("unknown route: 404 with a JSON error body", T, async () => {
  const res = await req(`${server.url}${API}/nope`);
  assertError(res, 404);
  assertCors(res);
});

test("wrong method: 405 with an error body", T, async () => {
  const get = await req(routes.login(server.url, appId));
  assertError(get, 405);
  const put = await req(routes.session(server.url), { method: "PUT", headers: bearer(tokens.refresh_token) });
  assertError(put, 405);
});

test("oversized body: 413, and the server keeps serving", T, async () => {
  const big = JSON.stringify({ options: { device: { ...DEVICE, padding: "x".repeat(100 * 1024) } } });
  const res = await req(routes.login(server.url, appId), {
    method: "POST",
    body: big,
    headers: { "Content-Type": "application/json" },
  });
  assertError(res, 413);

  const next = await req(routes.location(server.url, appId));
  assert.equal(next.status, 200, show(next));
  const login = await req(routes.login(server.url, appId), { method: "POST", json: { options: { device: DEVICE } } });
  assert.equal(login.status, 200, show(login));
});

test("bad request bodies: malformed JSON, non-object, bad EJSON, wrong content type", T, async () => {
  const url = routes.login(server.url, appId);
  const json = { "Content-Type": "application/json" };

  const malformed = await req(url, { method: "POST", body: '{"options":', headers: json });
  assertError(malformed, 400, "BadRequest");

  const array = await req(url, { method: "POST", body: "[1,2]", headers: json });
  assertError(array, 400);

  const badOid = await req(url, {
    method: "POST",
    body: JSON.stringify({ options: { device: { deviceId: { $oid: "xyz" } } } }),
    headers: json,
  });
  assertError(badOid, 400);

  const text = await req(url, {
    method: "POST",
    body: JSON.stringify({ options: { device: DEVICE } }),
    headers: { "Content-Type": "text/plain" },
  });
  assertError(text, 415);
});

test("deeply nested bodies: 400 on every body-taking route, and the server keeps serving", T, async () => {
  // Once a stack overflow: a small unauthenticated login whose body nested
  // a few hundred thousand levels deep crashed the server.
  const json = { "Content-Type": "application/json" };
  const deep = (n) => '{"options":{"device":' + '{"a":'.repeat(n) + "1" + "}".repeat(n) + "}}";
  const brackets = "[".repeat(30_000) + "]".repeat(30_000); // under the 64 KiB body limit
  const userpass = (op) => `${server.url}${API}/app/${appId}/auth/providers/local-userpass/${op}`;
  const targets = [
    ["POST", routes.login(server.url, appId)],
    ["POST", routes.login(server.url, appId, "local-userpass")],
    ["POST", routes.login(server.url, appId, "api-key")],
    ["POST", routes.login(server.url, appId, "custom-token")],
    ["POST", routes.link(server.url, appId, "local-userpass"), bearer(tokens.access_token)],
    ["POST", userpass("register")],
    ["POST", userpass("confirm")],
    ["POST", userpass("confirm/send")],
    ["POST", userpass("reset/send")],
    ["POST", userpass("reset")],
    ["POST", userpass("reset/call")],
    ["POST", routes.apiKeys(server.url), bearer(tokens.access_token)],
  ];
  for (const [method, url, auth] of targets) {
    for (const body of [deep(12_000), brackets]) {
      const res = await req(url, { method, body, headers: { ...json, ...(auth || {}) } });
      // 400 for the nesting; a disabled provider may refuse first with its own 4xx.
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${url}: ${show(res)}`);
      assertError(res, res.status);
    }
  }
  // 64 levels (options, device and 62 more) still log in; one level more is refused.
  const ok = await req(routes.login(server.url, appId), { method: "POST", body: deep(62), headers: json });
  assert.equal(ok.status, 200, show(ok));
  const over = await req(routes.login(server.url, appId), { method: "POST", body: deep(63), headers: json });
  assertError(over, 400, "BadRequest");
  assert.match(over.json.error, /deeper than 64 levels/);
  const next = await req(routes.location(server.url, appId));
  assert.equal(next.status, 200, show(next));
});

test("token problems on GET /auth/profile and POST /auth/session", T, async () => {
  const profile = routes.profile(server.url);

  assertError(await req(profile), 401, "MissingAuthReq");
  assertError(await req(profile, { headers: { Authorization: "Bearer null" } }), 401, "InvalidSession");
  assertError(await req(profile, { headers: { Authorization: "Bearer garbage" } }), 401, "InvalidSession");
  assertError(await req(profile, { headers: bearer(tamperPayload(tokens.access_token)) }), 401, "InvalidSession");
  assertError(await req(profile, { headers: bearer(tokens.refresh_token) }), 401, "InvalidSession");

  const session = routes.session(server.url);
  assertError(await req(session, { method: "POST", headers: bearer(tokens.access_token) }), 401, "InvalidSession");
  assertError(await req(session, { method: "POST", headers: bearer(tamperPayload(tokens.refresh_token)) }), 401, "InvalidSession");

  // The genuine tokens still work.
  const ok = await req(profile, { headers: bearer(tokens.access_token) });
  assert.equal(ok.status, 200, show(ok));
  assert.equal(ok.json.user_id, tokens.user_id, show(ok));
});

test("DELETE /auth/session with an unknown token: 401 'failed to find refresh token'", T, async () => {
  for (const token of ["garbage", tamperPayload(tokens.refresh_token)]) {
    const res = await req(routes.session(server.url), { method: "DELETE", headers: bearer(token) });
    assertError(res, 401);
    assert.match(res.json.error, /failed to find refresh token/, show(res));
  }
});

test("logout answers 204 without a content type; a second logout is harmless", T, async () => {
  const login = await rawAnonLogin(server.url, appId);
  assert.equal(login.status, 200, show(login));
  const { refresh_token: refresh } = login.json;

  const res = await req(routes.session(server.url), { method: "DELETE", headers: bearer(refresh) });
  assert.equal(res.status, 204, show(res));
  assert.equal(res.contentType, null, show(res));
  assert.equal(res.text, "", show(res));
  assertCors(res);

  // Spec 9: an already-deleted session answers 2xx, or an error whose text
  // contains "failed to find refresh token" (realm-web swallows exactly that).
  const again = await req(routes.session(server.url), { method: "DELETE", headers: bearer(refresh) });
  if (again.status >= 300) {
    assertError(again, 401);
    assert.match(again.json.error, /failed to find refresh token/, show(again));
  }
});

test("CORS preflight on the login path", T, async () => {
  const res = await req(routes.login(server.url, appId), {
    method: "OPTIONS",
    headers: {
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization,content-type",
    },
  });
  assert.ok(res.status === 204 || res.status === 200, `preflight must be 2xx, not a redirect: ${show(res)}`);
  assert.equal(res.headers.get("location"), null, show(res));
  assertCors(res);
  const methods = (res.headers.get("access-control-allow-methods") || "").toUpperCase().split(/\s*,\s*/);
  assert.ok(methods.includes("POST"), `allow-methods=${res.headers.get("access-control-allow-methods")}`);
  assert.ok(methods.includes("DELETE"), `allow-methods=${res.headers.get("access-control-allow-methods")}`);
  const allowHeaders = (res.headers.get("access-control-allow-headers") || "").toLowerCase().split(/\s*,\s*/);
  assert.ok(allowHeaders.includes("authorization"), `allow-headers=${res.headers.get("access-control-allow-headers")}`);
  assert.ok(allowHeaders.includes("content-type"), `allow-headers=${res.headers.get("access-control-allow-headers")}`);
});

test("duplicate slashes are collapsed: GET <url>//api/.../location", T, async () => {
  const res = await req(`${server.url}/${API}/app/${appId}/location`);
  assert.equal(res.status, 200, show(res));
  assert.equal(res.json?.hostname, server.url, show(res));
});

/** Sends `raw` bytes on a new connection; resolves with {status, body (Buffer)} once it closes. */
function rawRequest(raw) {
  return new Promise((resolve, reject) => {
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.end(raw));
    const chunks = [];
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      const head = all.subarray(0, split).toString("latin1");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body: all.subarray(split + 4) });
    });
  });
}

test("hostile request heads: bad UTF-8, odd targets and bad Host get a 4xx with a valid JSON error body", T, async () => {
  const login = `/api/client/v2.0/app/${appId}/auth/providers/anon-user/login`;
  const cases = [
    ["raw bytes in the app id", Buffer.from(`GET /api/client/v2.0/app/\xff\xfe%ff/location HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, "latin1"), 404],
    ["raw bytes in the provider", Buffer.from(`POST /api/client/v2.0/app/${appId}/auth/providers/\xc0\xaf/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, "latin1"), 404],
    ["raw bytes in the body", Buffer.from(`POST ${login} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"a":"\xff"}`, "latin1"), 400],
    ["raw bytes in Host", Buffer.from(`GET /api/client/v2.0/app/${appId}/location HTTP/1.1\r\nHost: \xff\xfe\r\nConnection: close\r\n\r\n`, "latin1"), 400],
    ["a Host that is no host", Buffer.from(`GET /api/client/v2.0/app/${appId}/location HTTP/1.1\r\nHost: a b"c\r\nConnection: close\r\n\r\n`), 400],
    ["two Hosts", Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n`), 400],
    ["no Host", Buffer.from(`GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n`), 400],
    ["an asterisk target", Buffer.from(`GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 404],
    ["an absolute-form target elsewhere", Buffer.from(`GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 404],
    ["raw bytes in a header value", Buffer.from(`GET /api/client/v2.0/app/\xff/location HTTP/1.1\r\nHost: x\r\nX-Note: \xfe\xff\r\nConnection: close\r\n\r\n`, "latin1"), 404],
  ];
  for (const [what, raw, status] of cases) {
    const res = await rawRequest(raw);
    assert.equal(res.status, status, `${what}: ${res.head}`);
    const text = new TextDecoder("utf-8", { fatal: true }).decode(res.body); // throws on invalid UTF-8
    const body = JSON.parse(text);
    assert.equal(typeof body.error, "string", `${what}: ${text}`);
    assert.equal(typeof body.error_code, "string", `${what}: ${text}`);
  }
  assert.doesNotMatch(server.stderr(), /level=error/, "no client input is a server error");
  const ok = await req(routes.location(server.url, appId));
  assert.equal(ok.status, 200, "still serving");
});

test("request logs carry paths, never query strings (which may carry tokens)", T, async () => {
  const secret = "tok-" + "q".repeat(40);
  await req(`${server.url}/api/client/v2.0/app/${appId}/nope?access_token=${secret}`);
  await request(`${server.url}/api/admin/v3.0/groups/x/apps?token=${secret}`); // not recorded: admin CORS differs
  assert.ok(!server.stderr().includes(secret), "a query string reached the log");
});

test("200 concurrent anonymous logins (batches of 50) all succeed with distinct users", { timeout: 60_000 }, async () => {
  const results = [];
  for (let batch = 0; batch < 4; batch++) {
    const part = await Promise.all(
      Array.from({ length: 50 }, () =>
        req(routes.login(server.url, appId), { method: "POST", json: { options: { device: DEVICE } } }),
      ),
    );
    results.push(...part);
  }
  const failed = results.filter((r) => r.status !== 200);
  assert.deepEqual(failed.map(show), [], `${failed.length} of 200 logins failed`);
  const ids = new Set(results.map((r) => r.json.user_id));
  assert.equal(ids.size, 200);
  for (const id of ids) assert.match(id, HEX24);
  assert.equal(new Set(results.map((r) => r.json.refresh_token)).size, 200);
});

// ---- checks over every response recorded above -----------------------------

test("every response echoes the Origin and varies on it", T, () => {
  assert.ok(seen.length > 20, `only ${seen.length} responses recorded`);
  const bad = seen
    .filter((r) => {
      const vary = (r.headers.get("vary") || "").split(",").map((v) => v.trim().toLowerCase());
      return r.headers.get("access-control-allow-origin") !== ORIGIN || !vary.includes("origin");
    })
    .map((r) => `${show(r)} acao=${r.headers.get("access-control-allow-origin")} vary=${r.headers.get("vary")}`);
  assert.deepEqual([...new Set(bad)], []);
});

test("content types: JSON bodies are exactly application/json; bodiless responses have none", T, () => {
  const bad = [];
  for (const r of seen) {
    if (r.text.length > 0) {
      if (r.contentType !== "application/json") bad.push(`non-JSON content type: ${show(r)}`);
      else if (r.json === undefined) bad.push(`unparseable JSON body: ${show(r)}`);
    } else if (r.contentType !== null) {
      bad.push(`empty body with a content type: ${show(r)}`);
    }
    if (r.status === 204 && (r.contentType !== null || r.text !== "")) bad.push(`204 with content: ${show(r)}`);
  }
  assert.deepEqual([...new Set(bad)], []);
});

test("success bodies never carry error keys; error bodies always carry both", T, () => {
  const bad = [];
  for (const r of seen) {
    const body = r.json;
    if (r.status >= 200 && r.status < 300) {
      if (body && typeof body === "object" && ("error" in body || "error_code" in body)) {
        bad.push(`success with error keys: ${show(r)}`);
      }
    } else if (r.status >= 400) {
      if (!body || typeof body.error !== "string" || typeof body.error_code !== "string") {
        bad.push(`error without error/error_code strings: ${show(r)}`);
      }
    } else {
      bad.push(`unexpected status: ${show(r)}`);
    }
  }
  assert.deepEqual([...new Set(bad)], []);
});
