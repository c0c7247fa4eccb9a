// propagation.mjs: bench/two_servers.sh's propagation times between two
// guestpass servers on one database. Each sample does something through
// server A and polls server B (back to back, one request at a time) until B
// shows it; the time is from A's answer to B's first answer that shows it:
//   session  an anonymous login on A -> the first refresh (201) on B with its
//            refresh token, then the first profile (200) with its access token
//   logout   a logout on A -> the first refresh refused (401) on B
//   config   a deployment through A's Admin API (anon-user disabled, then
//            enabled again) -> the first login on B that sees it
// Prints one line per kind: "PROPAGATION kind=.. samples=.. median_ms=..
// p90_ms=.. max_ms=.. first_try=.." (first_try: samples B showed at once).
// Exits non-zero when B never shows a change within 10 s.
//
//   node bench/propagation.mjs URL_A URL_B ADMIN_PASSWORD CLIENT_APP_ID [SAMPLES]
const [urlA, urlB, password, clientAppId, samplesArg] = process.argv.slice(2);
const samples = Number(samplesArg || 20);
const client = "/api/client/v2.0";
const admin = "/api/admin/v3.0";
const GIVE_UP_MS = 10_000;

async function call(base, method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}
const must = (res, status, what) => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res;
};

/** Polls `check` on B until true; {ms since `since`, tries}. */
async function until(since, check, what) {
  for (let tries = 1; ; tries++) {
    if (await check()) return { ms: performance.now() - since, tries };
    if (performance.now() - since > GIVE_UP_MS) throw new Error(`${what}: not seen on B within ${GIVE_UP_MS} ms`);
  }
}

const loginPath = `${client}/app/${clientAppId}/auth/providers/anon-user/login`;
const results = { session: [], profile: [], logout: [], config: [] };

for (let i = 0; i < samples; i++) {
  const login = must(await call(urlA, "POST", loginPath, null, {}), 200, "login on A");
  let t0 = performance.now();
  results.session.push(
    await until(t0, async () => (await call(urlB, "POST", `${client}/auth/session`, login.json.refresh_token)).status === 201, "session"),
  );
  const fresh = must(await call(urlA, "POST", loginPath, null, {}), 200, "login on A");
  t0 = performance.now();
  results.profile.push(
    await until(t0, async () => (await call(urlB, "GET", `${client}/auth/profile`, fresh.json.access_token)).status === 200, "profile"),
  );
  must(await call(urlA, "DELETE", `${client}/auth/session`, fresh.json.refresh_token), 204, "logout on A");
  t0 = performance.now();
  results.logout.push(
    await until(t0, async () => (await call(urlB, "POST", `${client}/auth/session`, fresh.json.refresh_token)).status === 401, "logout"),
  );
}

const adminLogin = must(
  await call(urlA, "POST", `${admin}/auth/providers/local-userpass/login`, null, { username: "admin", password }),
  200,
  "admin login",
);
const token = adminLogin.json.access_token;
const group = must(await call(urlA, "GET", `${admin}/auth/profile`, token), 200, "admin profile").json.roles[0].group_id;
const app = must(await call(urlA, "GET", `${admin}/groups/${group}/apps`, token), 200, "apps").json.find(
  (a) => a.client_app_id === clientAppId,
);
if (!app) throw new Error(`no app ${clientAppId}`);
const base = `${admin}/groups/${group}/apps/${app._id}/auth_providers`;
const anon = must(await call(urlA, "GET", base, token), 200, "providers").json.find((p) => p.type === "anon-user");
for (let i = 0; i < samples; i++) {
  for (const [state, want] of [
    ["disable", (s) => s !== 200],
    ["enable", (s) => s === 200],
  ]) {
    // A random pause first: a deployment made right after B's last reload
    // would fall just after B's poll every time (the watcher polls every
    // 250 ms) and measure the worst case only.
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    must(await call(urlA, "PUT", `${base}/${anon._id}/${state}`, token), 204, `${state} on A`);
    const t0 = performance.now();
    results.config.push(await until(t0, async () => want((await call(urlB, "POST", loginPath, null, {})).status), `config ${state}`));
  }
}

for (const [kind, list] of Object.entries(results)) {
  const ms = list.map((r) => r.ms).sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  console.log(
    `PROPAGATION kind=${kind} samples=${ms.length} median_ms=${at(0.5).toFixed(2)} p90_ms=${at(0.9).toFixed(2)} ` +
      `max_ms=${ms[ms.length - 1].toFixed(2)} first_try=${list.filter((r) => r.tries === 1).length}`,
  );
}
