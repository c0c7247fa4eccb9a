// api.js: the UI's only way to the server: the Admin API v3.0 on this origin.
// Keeps the administrator's tokens in sessionStorage (gone when the tab
// closes), refreshes an expired access token once with the refresh token and
// retries, and turns every failure into an ApiError whose message is words
// (the App Services `error` text), never a raw body.

const BASE = "/api/admin/v3.0";
const STORE_KEY = "guestpass.session";

/** A failed call: `message` is fit to show; `status` and `code` for branching. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Raised when the session is over (refresh refused): the UI shows sign-in. */
export class SignedOut extends ApiError {
  constructor(message, options) {
    super(message, options);
    this.name = "SignedOut";
  }
}

let signedOutListener = () => {};
/** Calls `fn(message)` whenever a call finds the session over. */
export function onSignedOut(fn) {
  signedOutListener = fn;
}

/** {access_token, refresh_token, user_id, username, group_id} or null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
  } catch {
    return null;
  }
}

function saveSession(value) {
  if (value) sessionStorage.setItem(STORE_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(STORE_KEY);
}

async function send(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json", "X-BAAS-Request-Origin": "guestpass-ui" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(`Could not reach the server (${err.message}). Check that guestpass is running.`);
  }
}

async function errorOf(res) {
  let message = "";
  let code = "";
  try {
    const body = await res.json();
    if (body && typeof body.error === "string") message = body.error;
    if (body && typeof body.error_code === "string") code = body.error_code;
  } catch {
    // not JSON: fall back to the status text below
  }
  if (!message) message = `The server answered ${res.status} ${res.statusText || ""}`.trim() + ".";
  else message = message.charAt(0).toUpperCase() + message.slice(1);
  return new ApiError(message, { status: res.status, code });
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("The server sent an answer that is not JSON.", { status: res.status });
  }
}

/** Logs in; stores the session. Throws ApiError with the server's words. */
export async function logIn(username, password) {
  const res = await send("POST", "/auth/providers/local-userpass/login", { body: { username, password } });
  if (!res.ok) throw await errorOf(res);
  const tokens = await parse(res);
  const fresh = { access_token: tokens.access_token, refresh_token: tokens.refresh_token, user_id: tokens.user_id, username };
  saveSession(fresh);
  const profile = await call("GET", "/auth/profile");
  const role = (profile.roles || []).find((r) => r.group_id);
  if (!role) throw new ApiError("This administrator has no project (group) to manage.");
  saveSession({ ...session(), group_id: role.group_id });
  return session();
}

/** Ends the session on the server (best effort) and here. */
export async function logOut() {
  const current = session();
  saveSession(null);
  if (current && current.refresh_token) {
    try {
      await send("DELETE", "/auth/session", { token: current.refresh_token });
    } catch {
      // the local session is gone either way
    }
  }
}

let refreshing = null;
// One refresh at a time: concurrent calls that all got 401 share it.
function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const current = session();
      if (!current || !current.refresh_token) return false;
      const res = await send("POST", "/auth/session", { token: current.refresh_token });
      if (res.status !== 201 && res.status !== 200) return false;
      const body = await parse(res);
      saveSession({ ...session(), access_token: body.access_token });
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

function endSession(message) {
  saveSession(null);
  signedOutListener(message);
  return new SignedOut(message, { status: 401 });
}

/** A call with the administrator's access token; refreshes once on 401. */
export async function call(method, path, body) {
  const current = session();
  if (!current) throw endSession("Please log in.");
  let res = await send(method, path, { body, token: current.access_token });
  if (res.status === 401) {
    if (!(await refresh())) throw endSession("Your session has ended. Log in again to continue.");
    res = await send(method, path, { body, token: session().access_token });
    if (res.status === 401) throw endSession("Your session has ended. Log in again to continue.");
  }
  if (!res.ok) throw await errorOf(res);
  return parse(res);
}

/** "/groups/{group}" + rest, for the signed-in administrator's project. */
export function groupPath(rest = "") {
  const current = session();
  return `/groups/${encodeURIComponent(current ? current.group_id : "")}${rest}`;
}

/** "/groups/{group}/apps/{app}" + rest. */
export function appPath(appId, rest = "") {
  return groupPath(`/apps/${encodeURIComponent(appId)}${rest}`);
}
