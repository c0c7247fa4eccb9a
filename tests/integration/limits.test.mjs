// End-to-end tests of the server's own bounds (issue 13): a connection cap
// (--max-connections) beyond which new connections are closed at once while
// the open ones are served, and file-descriptor exhaustion (a hard limit of
// 48 descriptors) after which the accept loop neither spins nor floods its
// log, and serves again once descriptors are free.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test limits.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";

import { request, startServer } from "./lib/server.mjs";

const T = { timeout: 60_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens a TCP connection; resolves with the socket once connected. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves "closed" if the server closes the socket within `ms`, else "open". */
function closedWithin(socket, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve("open"), ms);
    const done = () => {
      clearTimeout(t);
      resolve("closed");
    };
    socket.once("close", done);
    socket.once("end", done);
    socket.once("error", done);
  });
}

/** One raw HTTP/1.1 request on an open socket; resolves with the status code. */
function rawGet(socket, path = "/healthz") {
  return new Promise((resolve, reject) => {
    let data = "";
    const onData = (d) => {
      data += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m && data.includes("\r\n\r\n")) {
        socket.off("data", onData);
        resolve(Number(m[1]));
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

/** The process's user + system CPU time in clock ticks (/proc/PID/stat). */
function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

test("--max-connections: one more connection is closed at once; the open ones are served", T, async () => {
  const server = await startServer({ args: ["--max-connections", "4"] });
  const port = Number(new URL(server.url).port);
  const sockets = [];
  try {
    for (let i = 0; i < 4; i++) sockets.push(await connect(port));
    await sleep(100);
    const extra = await connect(port).catch(() => null);
    if (extra) {
      sockets.push(extra);
      assert.equal(await closedWithin(extra, 2000), "closed", "the fifth connection is closed");
    }
    assert.equal(await rawGet(sockets[0]), 200, "an open connection is still served");
    sockets[1].destroy();
    await sleep(200);
    const again = await connect(port);
    sockets.push(again);
    assert.equal(await rawGet(again), 200, "a freed place takes a new connection");
    assert.match(server.stderr(), /connection refused: the server has --max-connections open/);
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});

test("descriptor exhaustion: the accept loop backs off (no busy loop, no log flood) and recovers", T, async () => {
  // A hard limit of 48: the start cannot raise it. --max-connections above
  // it, so accept itself fails with EMFILE.
  const server = await startServer({ prefix: ["prlimit", "--nofile=48:48"], args: ["--max-connections", "1000"] });
  const port = Number(new URL(server.url).port);
  const sockets = [];
  try {
    for (let i = 0; i < 80; i++) {
      const s = await connect(port).catch(() => null); // the backlog takes them; accept fails on
      if (s) {
        s.on("error", () => {});
        sockets.push(s);
      }
    }
    await sleep(1000);
    const before = cpuTicks(server.proc.pid);
    await sleep(2000);
    const used = cpuTicks(server.proc.pid) - before; // ticks of 10 ms
    assert.ok(used < 50, `the server used ${used * 10} ms of CPU in 2 s while descriptors were exhausted`);
    const lines = server.stderr().split("\n").filter((l) => l.includes("accept failed"));
    assert.ok(lines.length >= 1 && lines.length <= 2, `accept failures logged ${lines.length} times:\n${lines.join("\n")}`);
    assert.match(lines[0], /times=/);
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    let status = 0;
    for (let i = 0; i < 30 && status !== 200; i++) {
      await sleep(200);
      status = (await request(`${server.url}/healthz`).catch(() => ({ status: 0 }))).status;
    }
    assert.equal(status, 200, "serves again once descriptors are free");
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});
