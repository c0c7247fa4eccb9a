// Hostile HTTP, table-driven against the real server: what an attacker sends
// to an open client endpoint without credentials (and to the Admin API with
// them). Each row is raw bytes on a fresh connection and the status the
// server must answer (a 4xx with a valid UTF-8 JSON App Services error body;
// never a 500, which would be a bug in guestpass and not the client's input).
// After every row the server must be alive, answer another client promptly,
// have logged no error and only a few lines. Slow clients (slowloris) and
// pipelining have tests of their own below. Deeply nested bodies on every
// route, odd request targets and Host headers are in http_errors.test.mjs;
// descriptor exhaustion and the connection cap in limits.test.mjs.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test hostile_http.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";

import { makeAppDir, request, routes, show, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "hostile-http-admin-password";
const REQUEST_TIMEOUT_S = 2; // --request-timeout: how long a slow client may hold a connection
const T = { timeout: 60_000 };

let server;
let port;
let appId;
let adminToken;
let appPath; // the Admin API path of the app: /groups/{group}/apps/{app}

before(async () => {
  const appDir = await makeAppDir({
    appId: "hostile-abcde",
    name: "hostile",
    providers: {
      "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
      "local-userpass": { name: "local-userpass", type: "local-userpass", disabled: false, config: { autoConfirm: true, resetPasswordUrl: "https://example.org/reset" } },
    },
  });
  server = await startServer({
    appDirs: [appDir],
    args: ["--request-timeout", String(REQUEST_TIMEOUT_S)],
    env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD, GUESTPASS_SIGNUPS_PER_HOUR: "0" },
  });
  port = Number(new URL(server.url).port);
  appId = server.apps[0].id;
  const login = await request(`${server.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(login.status, 200, show(login));
  adminToken = login.json.access_token;
  const headers = { Authorization: `Bearer ${adminToken}` };
  const group = (await request(`${server.url}${ADMIN}/auth/profile`, { headers })).json.roles[0].group_id;
  const app = (await request(`${server.url}${ADMIN}/groups/${group}/apps`, { headers })).json.find((a) => a.client_app_id === appId);
  appPath = `${ADMIN}/groups/${group}/apps/${app._id}`;
});

after(async () => {
  if (server) await server.stop();
});

/**
 * Splits `buf` into the HTTP responses it holds (each with Content-Length,
 * or none for 204 and 304): [{status, head, body}].
 */
function parseResponses(buf) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const split = buf.indexOf("\r\n\r\n", at);
    if (split < 0) break;
    const head = buf.subarray(at, split).toString("latin1");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] || 0);
    out.push({ status, head, body: buf.subarray(split + 4, split + 4 + length) });
    at = split + 4 + length;
  }
  return out;
}

/**
 * Writes `raw` on a new connection (then half-closes unless `keepOpen`) and
 * resolves once the server closes it or `waitMs` passed: {responses, closed}.
 */
function exchange(raw, { keepOpen = false, waitMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => (keepOpen ? socket.write(raw) : socket.end(raw)));
    const chunks = [];
    const done = (closed) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(chunks)), closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", (err) => (err.code === "ECONNRESET" || err.code === "EPIPE" ? done(true) : reject(err)));
    socket.on("close", () => done(true));
  });
}

/** The response's body is a valid UTF-8 JSON App Services error. */
function assertErrorBody(res, what) {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(res.body); // throws on invalid UTF-8
  let body;
  assert.doesNotThrow(() => (body = JSON.parse(text)), `${what}: not JSON: ${text}`);
  assert.equal(typeof body.error, "string", `${what}: ${text}`);
  assert.equal(typeof body.error_code, "string", `${what}: ${text}`);
  assert.match(res.head, /\r\ncontent-type: application\/json/i, `${what}: ${res.head}`);
}

/** Stderr's lines so far. */
const logLines = () => server.stderr().split("\n").filter(Boolean);

/**
 * The server is alive, answers another client promptly, logged no error
 * and only a few lines since `linesBefore`.
 */
async function assertHealthy(what, linesBefore) {
  const t0 = Date.now();
  const res = await request(routes.location(server.url, appId), { timeoutMs: 2000 });
  const ms = Date.now() - t0;
  assert.equal(res.status, 200, `${what}: after it, ${show(res)}`);
  assert.ok(ms < 500, `${what}: another client waited ${ms} ms`);
  assert.equal(server.exitInfo(), null, `${what}: the server exited`);
  const lines = logLines().slice(linesBefore);
  assert.ok(lines.length <= 10, `${what}: ${lines.length} log lines:\n${lines.slice(0, 20).join("\n")}`);
  for (const line of lines) assert.doesNotMatch(line, /level=error/, `${what}: ${line}`);
}

const login = () => `/api/client/v2.0/app/${appId}/auth/providers/anon-user/login`;
/** A POST of `body` (string or Buffer) to `path` with Content-Length, closing after. */
function post(path, body, headers = "Content-Type: application/json\r\n") {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, "latin1");
  return Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${b.length}\r\nConnection: close\r\n\r\n`, "latin1"),
    b,
  ]);
}
const adminAuth = () => `Authorization: Bearer ${adminToken}\r\nContent-Type: application/json\r\n`;

// [what, raw bytes (or a function making them), the status the server must answer]
const ROWS = [
  // Heads past the limits (16 KiB of head).
  ["a 20 KiB header value", () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`, 400],
  ["2,000 headers", () => `GET /healthz HTTP/1.1\r\nHost: x\r\n${"X-A: b\r\n".repeat(2000)}Connection: close\r\n\r\n`, 400],
  ["101 header fields (at most 100)", () => `GET /healthz HTTP/1.1\r\nHost: x\r\n${"X-A: b\r\n".repeat(99)}Connection: close\r\n\r\n`, 400],
  ["a 20 KiB request target", () => `GET /api/client/v2.0/app/${"a".repeat(20 * 1024)}/location HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
  ["a 1 MiB cookie", () => `GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ${"c=d; ".repeat(200_000)}\r\nConnection: close\r\n\r\n`, 400],
  // Odd framing (request smuggling).
  ["Content-Length and Transfer-Encoding both", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`, 400],
  ["two different Content-Lengths", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}x`, 400],
  ["a negative Content-Length", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`, 400],
  ["a Content-Length past 2^64", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\n`, 400],
  ["a Content-Length past the body limit", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n{}`, 413],
  ["a chunk size that is not hex", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
  ["a chunk size past 2^64", () => `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nfffffffffffffffffffff\r\n{}\r\n0\r\n\r\n`, 400],
  ["an obsolete folded header (RFC 9112 5.2 lets a server join its lines)", () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n  folded\r\nConnection: close\r\n\r\n`, 200],
  ["a header name with a space", () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\nConnection: close\r\n\r\n`, 400],
  ["a bare LF line end", () => `GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n`, 400],
  ["HTTP/2.0 in an HTTP/1 request line", () => `GET /healthz HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
  ["a method of raw bytes", () => Buffer.from(`G\xffT /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, "latin1"), 400],
  ["an unknown method", () => `BREW /api/client/v2.0/app/${appId}/location HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 405],
  ["a NUL in the target", () => Buffer.from(`GET /api/client/v2.0/app/a\x00b/location HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, "latin1"), 400],
  ["raw bytes in a header name", () => Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-\xff: b\r\nConnection: close\r\n\r\n`, "latin1"), 400],
  ["raw bytes in X-Forwarded-For", () => Buffer.from(`POST ${login()} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: \xff\xfe, 1.2.3.4\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, "latin1"), 200],
  ["raw bytes in Authorization", () => Buffer.from(`GET /api/client/v2.0/auth/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe.\xc0.\x80\r\nConnection: close\r\n\r\n`, "latin1"), 401],
  ["raw bytes in Content-Type", () => post(login(), "{}", "Content-Type: application/\xff\xfe\r\n"), 415],
  // Bodies: bad UTF-8 and odd JSON on the login route (no credentials needed) and the Admin API.
  ["a lone surrogate escape in a login body", () => post(login(), `{"options":{"device":{"deviceId":"\\ud800"}}}`), 400],
  ["overlong UTF-8 in a login body", () => post(login(), Buffer.from(`{"options":{"device":{"platform":"\xc0\xaf"}}}`, "latin1")), 400],
  ["UTF-16 surrogates as UTF-8 bytes in a login body", () => post(login(), Buffer.from(`{"options":{"device":{"platform":"\xed\xa0\x80"}}}`, "latin1")), 400],
  ["a NUL byte in a login body", () => post(login(), Buffer.from(`{"options":{}}\x00{"x":1}`, "latin1")), 400],
  ["a UTF-8 byte order mark before a login body (RFC 8259 8.1 lets a parser ignore it)", () => post(login(), Buffer.from(`\xef\xbb\xbf{}`, "latin1")), 200],
  ["a number past double range in a login body", () => post(login(), `{"options":{"device":{"platformVersion":1e999}}}`), 400],
  // Duplicate keys: the last one counts, on the short path as on the general one (fuzz/login_body_fuzzer.cc).
  ["duplicate keys in an email/password login", () => post(`/api/client/v2.0/app/${appId}/auth/providers/local-userpass/login`, `{"username":"a@example.org","password":"x","username":"b@example.org"}`), 401],
  ["a login body of 5,000 unknown keys", () => post(login(), `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":0`).join(",")}}`), 200],
  ["a login body that is a 1 MiB string", () => post(login(), JSON.stringify("s".repeat(1 << 20))), 413],
  ["a 1 MiB body where a whole app goes (import) is read, not refused as too large", () => post(`${appPath}/import`, JSON.stringify({ auth: { providers: "p".repeat(1 << 20) } }), adminAuth()), 400],
  ["a 9 MiB body where a whole app goes is past that route's 8 MiB", () => `POST ${appPath}/import HTTP/1.1\r\nHost: x\r\n${adminAuth()}Content-Length: ${9 << 20}\r\nConnection: close\r\n\r\n{}`, 413],
  ["duplicate keys in an Admin API body: the last one counts", () => post(`${appPath}/secrets`, `{"name":"first","value":"hostile-secret-value","name":"second"}`, adminAuth()), 201],
  ["raw bytes in an Admin API body", () => post(`${appPath}/secrets`, Buffer.from(`{"name":"s\xff","value":"v"}`, "latin1"), adminAuth()), 400],
  ["an Admin API body nested 30,000 deep", () => post(`${appPath}/secrets`, "[".repeat(30_000), adminAuth()), 400],
];

test("hostile requests: each gets its 4xx with a valid JSON error body; the server stays up, prompt and quiet", T, async () => {
  const wrong = []; // every row's mismatch, so that one run shows them all
  for (const [what, make, status] of ROWS) {
    const raw = typeof make === "function" ? make() : make;
    const linesBefore = logLines().length;
    const { responses } = await exchange(raw);
    if (responses.length !== 1 || responses[0].status !== status) {
      const got = responses.map((r) => `${r.head.split("\r\n")[0]} ${r.body.toString("latin1").slice(0, 200)}`);
      wrong.push(`${what}: expected ${status}, got ${responses.length} responses: ${got.join(" | ")}`);
    } else if (status >= 400) {
      assertErrorBody(responses[0], what);
    }
    await assertHealthy(what, linesBefore);
  }
  assert.deepEqual(wrong, []);
});

test("pipelining: twenty requests in one write get twenty answers, in order; a malformed one ends the connection after its 400", T, async () => {
  const linesBefore = logLines().length;
  const body = '{"options":{"device":{"sdkVersion":"2.0.1"}}}';
  const location = `GET /api/client/v2.0/app/${appId}/location HTTP/1.1\r\nHost: x\r\n\r\n`;
  const anon = `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const missing = `GET /api/client/v2.0/app/${appId}/nope HTTP/1.1\r\nHost: x\r\n\r\n`;
  const parts = [];
  const expected = [];
  for (let i = 0; i < 20; i++) {
    const [raw, status] = [[location, 200], [anon, 200], [missing, 404], ["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200]][i % 4];
    parts.push(raw);
    expected.push(status);
  }
  const { responses } = await exchange(parts.join(""), { keepOpen: true, waitMs: 3000 });
  assert.deepEqual(responses.map((r) => r.status), expected);
  const users = responses.filter((r, i) => i % 4 === 1).map((r) => JSON.parse(r.body.toString()).user_id);
  assert.equal(new Set(users).size, 5, "each pipelined login made its own user");

  const bad = await exchange(location + "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n" + location, { keepOpen: true, waitMs: 3000 });
  assert.deepEqual(bad.responses.map((r) => r.status), [200, 400], "nothing is read after a malformed request");
  assert.equal(bad.closed, true, "and the connection is closed");
  await assertHealthy("pipelining", linesBefore);
});

test("slowloris: 200 connections trickling their heads or bodies are closed after --request-timeout; others are served meanwhile", T, async () => {
  const linesBefore = logLines().length;
  const slow = [];
  for (let i = 0; i < 200; i++) {
    slow.push(
      new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        const opened = Date.now();
        let timer;
        socket.on("connect", () => {
          // Half trickle a request head (a header byte every 200 ms), half a body.
          const head =
            i % 2 === 0
              ? "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
              : `POST ${login()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
          socket.write(head);
          timer = setInterval(() => socket.write(i % 2 === 0 ? "a" : " "), 200);
        });
        socket.on("data", () => {}); // a 400 for the unfinished head is fine; the close is what counts
        socket.on("error", () => {}); // reset by the server: counted at close
        socket.on("close", () => {
          clearInterval(timer);
          resolve(Date.now() - opened);
        });
        setTimeout(() => {
          clearInterval(timer);
          socket.destroy();
          reject(new Error(`slow connection ${i} still open after ${REQUEST_TIMEOUT_S + 4} s`));
        }, (REQUEST_TIMEOUT_S + 4) * 1000);
      }),
    );
  }
  // While they trickle, honest clients are served at once.
  for (let i = 0; i < 10; i++) {
    const t0 = Date.now();
    const res = await request(routes.location(server.url, appId), { timeoutMs: 2000 });
    assert.equal(res.status, 200, show(res));
    assert.ok(Date.now() - t0 < 500, `an honest request waited ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const held = await Promise.all(slow);
  const longest = Math.max(...held);
  assert.ok(longest < (REQUEST_TIMEOUT_S + 2) * 1000, `a slow connection was held ${longest} ms`);
  assert.ok(Math.min(...held) >= (REQUEST_TIMEOUT_S - 0.5) * 1000, `closed before its time: ${Math.min(...held)} ms`);
  await assertHealthy("slowloris", linesBefore);
});

test("an idle keep-alive connection is closed after --request-timeout", T, async () => {
  const t0 = Date.now();
  const { responses, closed } = await exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", { keepOpen: true, waitMs: (REQUEST_TIMEOUT_S + 3) * 1000 });
  assert.deepEqual(responses.map((r) => r.status), [200]);
  assert.equal(closed, true, "closed by the server");
  const ms = Date.now() - t0;
  assert.ok(ms >= (REQUEST_TIMEOUT_S - 0.5) * 1000 && ms < (REQUEST_TIMEOUT_S + 2) * 1000, `closed after ${ms} ms`);
});
