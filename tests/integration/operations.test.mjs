// End-to-end tests of what operators read from the server: GET /readyz
// (the store answers, apps are loaded) and GET /metrics (Prometheus text:
// requests by route and status, latency, logins by provider and outcome,
// throttled requests, connections, queues, the store's commits), which only
// --metrics-readers may read and which holds no user's id or token.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test operations.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";

import { request, routes, show, startServer } from "./lib/server.mjs";

const T = { timeout: 60_000 };

/** The value of the sample `name{labels}` in Prometheus text, or undefined. */
function sample(text, name, labels = "") {
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

test("readyz says the store answers and how many apps are loaded", T, async () => {
  const server = await startServer();
  try {
    const res = await request(`${server.url}/readyz`);
    assert.equal(res.status, 200, show(res));
    assert.deepEqual(res.json, { status: "ok", store: "ok", apps: 1 });
  } finally {
    await server.stop();
  }
});

test("metrics count requests, logins and throttling by route and outcome, and name no user", T, async () => {
  const server = await startServer({
    env: { GUESTPASS_SIGNUPS_PER_HOUR: "3600", GUESTPASS_SIGNUP_BURST: "3", GUESTPASS_TRUSTED_PROXIES: "127.0.0.0/8" },
  });
  try {
    const app = server.apps[0].id;
    const logins = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(routes.login(server.url, app), { method: "POST", json: {}, headers: { "X-Forwarded-For": "198.51.100.1" } });
      logins.push(res);
    }
    assert.deepEqual(logins.map((r) => r.status), [200, 200, 200, 429, 429]);
    await request(`${server.url}/nope`);
    const res = await request(`${server.url}/metrics`);
    assert.equal(res.status, 200, show(res));
    assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const login = 'route="POST /api/client/v2.0/app/{app}/auth/providers/{provider}/login"';
    assert.equal(sample(text, "guestpass_http_requests_total", `${login},status="200"`), 3);
    assert.equal(sample(text, "guestpass_http_requests_total", `${login},status="429"`), 2);
    assert.equal(sample(text, "guestpass_http_requests_total", 'route="unmatched",status="404"'), 1);
    assert.equal(sample(text, "guestpass_http_request_duration_seconds_count", login), 5);
    assert.equal(sample(text, "guestpass_logins_total", 'provider="anon-user",outcome="success"'), 3);
    assert.equal(sample(text, "guestpass_logins_total", 'provider="anon-user",outcome="throttled"'), 2);
    assert.equal(sample(text, "guestpass_throttled_requests_total", 'reason="signup"'), 2);
    assert.ok(sample(text, "guestpass_open_connections") >= 1);
    assert.ok(sample(text, "guestpass_store_commits_total") >= 3);
    assert.equal(sample(text, "guestpass_queue_depth", 'queue="password_hashing"'), 0);
    for (const l of logins.filter((r) => r.status === 200)) {
      assert.ok(!text.includes(l.json.user_id), "a user id in /metrics");
      assert.ok(!text.includes(l.json.access_token.slice(-20)), "a token in /metrics");
    }
    // A client beyond the proxy is not a reader, even though the proxy's address is loopback.
    const forwarded = await request(`${server.url}/metrics`, { headers: { "X-Forwarded-For": "203.0.113.5" } });
    assert.equal(forwarded.status, 404, show(forwarded));
  } finally {
    await server.stop();
  }
});

test("metrics are 404 for clients outside --metrics-readers", T, async () => {
  const server = await startServer({ args: ["--metrics-readers", "10.0.0.0/8"] });
  try {
    const res = await request(`${server.url}/metrics`);
    assert.equal(res.status, 404, show(res));
    assert.equal(res.json.error_code, "NotFound");
  } finally {
    await server.stop();
  }
});
