// guessing.mjs: an honest email/password login's latency while a flood of
// wrong passwords hits the server (issue 13: "wrong-password floods are
// throttled while an honest login on another account answers in under
// 500 ms; the hashing queue stays bounded"). Speed is shown here, not in the
// end-to-end test (guessing.test.mjs checks the counts).
//
// It starts `guestpass serve` (a fresh data dir, --trusted-proxies for
// loopback so that flood requests can claim client addresses through
// X-Forwarded-For), registers one honest account, and measures:
//   quiet: the honest login alone, SAMPLES times;
//   flood: CONNS clients sending wrong passwords for 5,000 accounts from
//          ADDRESSES client addresses (default 16) for SECONDS, while the
//          honest login is measured every 100 ms from an address of its own.
// Each flood address gets its free failures (--login-failures-per-address,
// 30) checked, each an Argon2id hash, then waits that double; with
// --addresses 0 every flood request claims an address of its own (a botnet:
// nothing is throttled, and the bounded hashing queue answers 503).
// and prints the honest login's latencies (p50, p90, p99, max) in both
// phases, the flood's answers by status (401 checked, 429 throttled, 503
// refused because the hashing queue was full), and the server's resident
// memory before and after (the queue stays bounded). The table also goes to
// bench/results/guessing.md.
//
//   node bench/guessing.mjs [--bin build/guestpass] [--seconds 10] [--conns 64] [--samples 20] [--addresses 16]
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const BIN = path.resolve(opt("bin", path.join(ROOT, "build", "guestpass")));
const SECONDS = Number(opt("seconds", 10));
const CONNS = Number(opt("conns", 64));
const SAMPLES = Number(opt("samples", 20));
const ADDRESSES = Number(opt("addresses", 16));
const TARGET_MS = 500;
const APP_ID = "guessing-bench";
const HONEST = { username: "honest@example.org", password: "the-honest-password" };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "guestpass-guessing-"));
const appDir = path.join(dataDir, "app");
fs.mkdirSync(path.join(appDir, "auth"), { recursive: true });
fs.writeFileSync(path.join(appDir, "root_config.json"), JSON.stringify({ app_id: APP_ID, name: "guessing" }));
fs.writeFileSync(
  path.join(appDir, "auth", "providers.json"),
  JSON.stringify({
    "local-userpass": { name: "local-userpass", type: "local-userpass", disabled: false, config: { autoConfirm: true, resetPasswordUrl: "https://example.org/reset" } },
  }),
);

const server = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", path.join(dataDir, "data"), "--app-dir", appDir, "--trusted-proxies", "127.0.0.1/32", "--log-level", "warn"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const stop = () => {
  server.kill("SIGTERM");
  fs.rmSync(dataDir, { recursive: true, force: true });
};
process.on("exit", stop);
const url = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = /guestpass listening on (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`guestpass exited (${code}) before listening`)));
});
const base = `${url}/api/client/v2.0/app/${APP_ID}/auth/providers/local-userpass`;

async function post(p, body, address) {
  const res = await fetch(`${base}${p}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": address },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, "utf8"))[1]);

const registered = await post("/register", { email: HONEST.username, password: HONEST.password }, "192.0.2.1");
if (registered !== 201) throw new Error(`register: ${registered}`);

const honestRefused = new Map(); // status -> count, for answers other than 200
async function honestLogin(into) {
  const t0 = performance.now();
  const status = await post("/login", HONEST, "192.0.2.1");
  if (status === 200) into.push(performance.now() - t0);
  else honestRefused.set(status, (honestRefused.get(status) || 0) + 1);
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const summary = (xs) => ({ p50: pct(xs, 50), p90: pct(xs, 90), p99: pct(xs, 99), max: Math.max(...xs) });

const quiet = [];
for (let i = 0; i < SAMPLES; i++) await honestLogin(quiet);
if (honestRefused.size) throw new Error(`the honest login failed while quiet: ${[...honestRefused]}`);
const rssBefore = rssKb();

let flooding = true;
const statuses = new Map();
let n = 0;
const flood = Array.from({ length: CONNS }, async () => {
  while (flooding) {
    n++;
    const a = ADDRESSES > 0 ? n % ADDRESSES : n;
    const address = `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}`;
    const status = await post("/login", { username: `victim-${n % 5000}@example.org`, password: `guess-${n}` }, address).catch(() => 0);
    statuses.set(status, (statuses.get(status) || 0) + 1);
  }
});
const during = [];
const t0 = Date.now();
await new Promise((r) => setTimeout(r, 500)); // let the queue fill
while (Date.now() - t0 < SECONDS * 1000) {
  await honestLogin(during);
  await new Promise((r) => setTimeout(r, 100));
}
const rssDuring = rssKb();
flooding = false;
await Promise.all(flood);
const floodTotal = [...statuses.values()].reduce((a, b) => a + b, 0);

const q = summary(quiet);
const d = during.length ? summary(during) : { p50: NaN, p90: NaN, p99: NaN, max: NaN };
const refusedText = honestRefused.size ? [...honestRefused].map(([s, c]) => `${c} answered ${s}`).join(", ") : "none";
const ms = (x) => x.toFixed(1);
const lines = [
  `# Honest login during a wrong-password flood (bench/guessing.mjs)`,
  ``,
  `${new Date().toISOString()}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end; ${CONNS} flood connections for ${SECONDS} s from ${ADDRESSES > 0 ? `${ADDRESSES} client addresses` : "a new client address each"}.`,
  ``,
  `| honest email/password login | samples | p50 ms | p90 ms | p99 ms | max ms |`,
  `|---|---:|---:|---:|---:|---:|`,
  `| quiet | ${quiet.length} | ${ms(q.p50)} | ${ms(q.p90)} | ${ms(q.p99)} | ${ms(q.max)} |`,
  `| during the flood | ${during.length} | ${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.max)} |`,
  ``,
  `Flood: ${floodTotal} wrong-password logins (${(floodTotal / SECONDS).toFixed(0)}/s): ` +
    [...statuses.entries()].sort().map(([s, c]) => `${c} answered ${s}`).join(", ") +
    ` (401: checked and wrong; 429: throttled; 503: the hashing queue was full).`,
  `The honest login's answers other than 200 during the flood: ${refusedText}.`,
  `Server memory: ${(rssBefore / 1024).toFixed(1)} MiB before the flood, ${(rssDuring / 1024).toFixed(1)} MiB at its end.`,
  ``,
  `Target: the honest login's p99 during the flood under ${TARGET_MS} ms, and never refused: ${d.p99 < TARGET_MS && !honestRefused.size ? "met" : "NOT met"}.`,
];
console.log(lines.join("\n"));
fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(ROOT, "bench", "results", "guessing.md"), lines.join("\n") + "\n");
process.exit(0);
