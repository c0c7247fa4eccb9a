// deployer.mjs: workload (8)'s administrator. Logs in to the Admin API and
// toggles an app's api-key provider (enable, disable, ...) every INTERVAL ms:
// each toggle is a deployment that swaps the server's configuration
// snapshot. One process with keep-alive connections, so the load it adds to
// the machine is the server's work, not process start-ups. On SIGTERM it
// writes "OK FAILED" to OUT and exits.
//
//   node bench/deployer.mjs URL PASSWORD CLIENT_APP_ID OUT [INTERVAL_MS]
import { writeFileSync } from "node:fs";

const [url, password, clientAppId, out, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg || 100);
const admin = `${url}/api/admin/v3.0`;

async function call(method, path, token, body) {
  const res = await fetch(`${admin}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const login = await call("POST", "/auth/providers/local-userpass/login", null, { username: "admin", password });
if (login.status !== 200) throw new Error(`admin login: ${login.status}`);
const token = login.json.access_token;
const group = (await call("GET", "/auth/profile", token)).json.roles[0].group_id;
const app = (await call("GET", `/groups/${group}/apps`, token)).json.find((a) => a.client_app_id === clientAppId);
if (!app) throw new Error(`no app ${clientAppId}`);
const base = `/groups/${group}/apps/${app._id}/auth_providers`;
let provider = (await call("GET", base, token)).json.find((p) => p.type === "api-key");
if (!provider) provider = (await call("POST", base, token, { type: "api-key", disabled: true })).json;

let ok = 0;
let failed = 0;
let state = "enable";
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});
console.log("deployer: ready");
while (!stopping) {
  const started = Date.now();
  try {
    const res = await call("PUT", `${base}/${provider._id}/${state}`, token);
    if (res.status === 204) ok++;
    else failed++;
  } catch {
    failed++;
  }
  state = state === "enable" ? "disable" : "enable";
  await new Promise((r) => setTimeout(r, Math.max(0, interval - (Date.now() - started))));
}
writeFileSync(out, `${ok} ${failed}\n`);
process.exit(0);
