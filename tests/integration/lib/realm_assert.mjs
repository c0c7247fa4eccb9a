// Shared helpers of the realm-web suites: per-App storage, bounded waits on
// realm-web calls, and assertions on App Services error responses.

import assert from "node:assert/strict";
import * as Realm from "realm-web";

import { show } from "./server.mjs";

// realm-web keeps users in one process-wide MemoryStorage keyed by app id; give
// each App its own storage (see realm_web.test.mjs).
export const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

export const bearer = (token) => ({ Authorization: `Bearer ${token}` });

export const LINK_TIMEOUT_MS = 5_000;

/** Rejects if `promise` has not settled within `ms` (realm-web loops forever on a 401 InvalidSession). */
export function withTimeout(promise, label, ms = LINK_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} did not settle within ${ms} ms (realm-web refresh-and-retry loop?)`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Asserts that `promise` rejects (within 5 s) with a MongoDBRealmError with the given status, code and message pattern. */
export async function assertRealmError(promise, { statusCode, errorCode, message }, label = "realm-web call") {
  let err;
  try {
    await withTimeout(promise, label);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${label}: expected a rejection with status ${statusCode} ${errorCode}, but it resolved`);
  assert.ok(
    err instanceof Realm.MongoDBRealmError,
    `${label}: expected a MongoDBRealmError, got ${err && err.constructor && err.constructor.name}: ${err && err.message}`,
  );
  assert.equal(err.statusCode, statusCode, `${label}: ${err.message}`);
  assert.equal(err.errorCode, errorCode, `${label}: ${err.message}`);
  if (message) assert.match(err.error, message, `${label}: ${err.message}`);
  return err;
}

/** Asserts a JSON error response with exactly this status and error_code (and optionally the message: a string to equal or a pattern). */
export function assertError(res, status, errorCode, messagePattern) {
  assert.equal(res.status, status, show(res));
  assert.equal(res.contentType, "application/json", show(res));
  assert.equal(res.json?.error_code, errorCode, show(res));
  assert.equal(typeof res.json?.error, "string", show(res));
  if (messagePattern !== undefined) {
    if (typeof messagePattern === "string") assert.equal(res.json.error, messagePattern, show(res));
    else assert.match(res.json.error, messagePattern, show(res));
  }
}
