// Local receivers for what guestpass sends out: an SMTP server (smtp-server
// from the nodemailer project) that keeps every message, and an HTTP server
// that plays the confirmation / reset webhook. Both listen on 127.0.0.1 on an
// ephemeral port; start them before writing the app directory so the ports
// are known. Each keeps what it received in order and lets a test wait for a
// matching entry.

import http from "node:http";
import net from "node:net";
import { SMTPServer } from "smtp-server";

const WAIT_MS = 5_000;

/** A list of received items with waitFor(predicate). */
function inbox(describe) {
  const items = [];
  const waiters = new Set();
  return {
    items,
    push(item) {
      items.push(item);
      for (const w of waiters) w();
    },
    /** Resolves with the first item (in arrival order) matching `predicate`. */
    waitFor(predicate, label = "an item", timeoutMs = WAIT_MS) {
      const find = () => items.find(predicate);
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = find();
          if (hit) {
            clearTimeout(t);
            waiters.delete(check);
            resolve(hit);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${label} did not arrive within ${timeoutMs} ms; received:\n${items.map(describe).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
}

// ---- SMTP ------------------------------------------------------------------

/** Decodes RFC 2047 "B" and "Q" encoded-words (adjacent words joined without the space between). */
export function decodeMimeWords(value) {
  const joined = value.replace(/\?=[ \t]+=\?/g, "?==?");
  return joined.replace(/(?:=\?([^?]+)\?([BbQq])\?([^?]*)\?=)+/g, (run) => {
    const parts = [];
    for (const m of run.matchAll(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g)) {
      if (m[2].toUpperCase() === "B") {
        parts.push(Buffer.from(m[3], "base64"));
      } else {
        const q = m[3].replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
        parts.push(Buffer.from(q, "latin1"));
      }
    }
    return Buffer.concat(parts).toString("utf8");
  });
}

/**
 * Splits a raw RFC 5322 message into {headers: Map(lowercase name -> [values]), body}.
 * Folded header lines are unfolded; values are left encoded (see decodeMimeWords).
 */
export function parseMessage(raw) {
  const split = raw.indexOf("\r\n\r\n");
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split + 4);
  const headers = new Map();
  for (const line of head.replace(/\r\n([ \t])/g, "$1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!headers.has(name)) headers.set(name, []);
    headers.get(name).push(value);
  }
  return { headers, body };
}

/**
 * Starts an SMTP receiver. With `username`/`password` it offers AUTH (without
 * TLS) and accepts only those credentials; AUTH stays optional.
 * Each message: {from, to: [...], user, raw, headers, subject, body}.
 */
export async function startSmtpReceiver({ username, password } = {}) {
  const box = inbox((m) => `  to=${m.to.join(",")} subject=${m.subject}`);
  const auths = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: username ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    banner: "guestpass test receiver",
    size: 1 << 20,
    onAuth(auth, session, callback) {
      auths.push({ method: auth.method, username: auth.username, password: auth.password });
      if (auth.username === username && auth.password === password) return callback(null, { user: auth.username });
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on("data", (c) => chunks.push(c));
      stream.on("error", callback);
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const parsed = parseMessage(raw);
        const subjectRaw = parsed.headers.get("subject")?.[0] ?? "";
        box.push({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw,
          headers: parsed.headers,
          subjectRaw,
          subject: decodeMimeWords(subjectRaw),
          body: parsed.body,
        });
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => {}); // a client hanging up early is not a test failure
  const port = server.server.address().port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: box.items,
    auths,
    /** Messages whose envelope recipients include `address`. */
    to: (address) => box.items.filter((m) => m.to.includes(address)),
    /** Waits for the `n`-th (1-based) message to `address`. */
    waitForMail: (address, n = 1, timeoutMs) =>
      box.waitFor((m) => m.to.includes(address) && box.items.filter((x) => x.to.includes(address)).indexOf(m) === n - 1,
        `email #${n} to ${address}`, timeoutMs),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// ---- Webhook -----------------------------------------------------------------

/**
 * Starts the webhook receiver. `respond(record)` (settable as .respond) decides
 * each answer: {status = 200, json} (json sent as application/json), or
 * {status, text, contentType}. Default: 200 {"status":"success"}.
 * Each record: {method, path, headers, raw, json}.
 */
export async function startWebhookReceiver() {
  const box = inbox((r) => `  ${r.method} ${r.path} ${r.raw}`);
  const hook = {
    respond: () => ({ json: { status: "success" } }),
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let json;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const record = { method: req.method, path: req.url, headers: req.headers, raw, json };
      let answer;
      try {
        answer = hook.respond(record) || {};
      } catch (err) {
        answer = { status: 500, text: String(err), contentType: "text/plain" };
      }
      box.push(record);
      const status = answer.status ?? 200;
      if (answer.json !== undefined) {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(answer.json));
      } else {
        res.writeHead(status, { "Content-Type": answer.contentType ?? "text/plain" });
        res.end(answer.text ?? "");
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = server.address().port;
  return Object.assign(hook, {
    port,
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    requests: box.items,
    /** Requests whose JSON body has this email. */
    forEmail: (email) => box.items.filter((r) => r.json && r.json.email === email),
    /** Waits for the `n`-th (1-based) request whose JSON body has this email. */
    waitForEmail: (email, n = 1, timeoutMs) =>
      box.waitFor(
        (r) => r.json && r.json.email === email && box.items.filter((x) => x.json && x.json.email === email).indexOf(r) === n - 1,
        `webhook request #${n} for ${email}`,
        timeoutMs,
      ),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound once, then closed). */
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
