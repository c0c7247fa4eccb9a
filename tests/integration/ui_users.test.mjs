// End-to-end tests of the web UI's Users, App Settings and Logs pages and the
// Custom JWT form: Debian's chromium driven headless by playwright-core
// against the real server, controls found by role and accessible name.
// What the UI does is checked behind its back: with the client API (a
// disabled user's token is refused, then accepted again), realm-web (a user
// or server API key made in the UI logs in), and the Admin API (GET /pull
// after a deployed settings change).
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test ui_users.test.mjs
// GUESTPASS_UI_SCREENSHOTS=1 also saves these pages' screenshots to docs/ui/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import * as Realm from "realm-web";

import { launchBrowser, screenshot } from "./lib/browser.mjs";
import { startWebhookReceiver } from "./lib/receivers.mjs";
import { API, makeAppDir, rawAnonLogin, request, routes, show, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "ui-users-admin-password";
const APP_ID = "uiusers-abcde";
const T = { timeout: 60_000 };
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;
// An email the UI must show as text: markup and a script that would set window.__pwned.
const HTML_EMAIL = "<b>bold</b><img/src=x/onerror=window.__pwned=1>@example.org";

let server;
let hook; // the confirmation webhook: "pending" for pending*@ addresses, else "success"
let context;
let page;
let adminSession;
let group;
let app; // the app's AppInstance
let anonUsers = []; // {user_id, access_token, refresh_token} in creation order

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

async function api(method, p, json) {
  return request(`${server.url}${ADMIN}${p}`, { method, json, headers: bearer(adminSession.access_token) });
}
const appApi = (method, p, json) => api(method, `/groups/${group}/apps/${app._id}${p}`, json);

function realmApp() {
  return new Realm.App({ id: APP_ID, baseUrl: server.url, storage: new MemoryStorage() });
}

const profileStatus = async (accessToken) => (await request(routes.profile(server.url), { headers: bearer(accessToken) })).status;

function shot(name, options) {
  return screenshot(page, name, options);
}

const appUrl = (rest) => `${server.url}/#/apps/${app._id}/${rest}`;

/** Opens a page of the app afresh and waits for its heading. */
async function open(rest, heading) {
  if (page.url() === appUrl(rest)) await page.reload();
  else await page.goto(appUrl(rest));
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
}

/** The users table's user ids, in order. */
async function shownIds() {
  const table = page.getByRole("table", { name: "Users" });
  await table.waitFor();
  return table.locator("tbody tr td:first-child").allInnerTexts();
}

before(async () => {
  hook = await startWebhookReceiver();
  hook.respond = (r) => ({ json: { status: r.json && /^pending/.test(r.json.email) ? "pending" : "success" } });
  const dir = await makeAppDir({
    appId: APP_ID,
    name: "uiusers",
    providers: {
      "anon-user": { name: "anon-user", type: "anon-user", disabled: false },
      "local-userpass": {
        name: "local-userpass",
        type: "local-userpass",
        disabled: false,
        config: { autoConfirm: false, confirmationWebhookUrl: hook.url("/confirm") },
      },
      "api-key": { name: "api-key", type: "api-key", disabled: false },
    },
  });
  server = await startServer({
    appDirs: [dir],
    env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD, GUESTPASS_SIGNUPS_PER_HOUR: "0" },
  });
  const login = await request(`${server.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(login.status, 200, show(login));
  adminSession = login.json;
  group = (await api("GET", "/auth/profile")).json.roles[0].group_id;
  app = (await api("GET", `/groups/${group}/apps`)).json.find((a) => a.client_app_id === APP_ID);
  assert.ok(app, "the app directory was imported");

  // 60 anonymous users, more than one page of 50, made fast through the client API.
  anonUsers = await Promise.all(
    Array.from({ length: 60 }, async () => {
      const res = await rawAnonLogin(server.url, APP_ID);
      assert.equal(res.status, 200, show(res));
      return res.json;
    }),
  );
  anonUsers.sort((a, b) => (a.user_id < b.user_id ? -1 : 1));

  ({ context, page } = await launchBrowser());
  await page.goto(`${server.url}/`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log In" }).click();
  await page.getByRole("heading", { name: "Apps" }).waitFor();
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
  if (hook) await hook.stop();
});

test("Users: the count, pages of 50 with Next and Previous, in id order", T, async () => {
  await page.getByRole("link", { name: "uiusers" }).click();
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name: "Users" }).click();
  await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
  await page.getByText("60 users").waitFor();
  const first = await shownIds();
  assert.equal(first.length, 50);
  assert.deepEqual(first, anonUsers.slice(0, 50).map((u) => u.user_id), "the oldest 50, in id order");
  await page.getByText("1–50 of 60").waitFor();
  await shot("users");
  const prev = page.getByRole("button", { name: "Previous" });
  assert.equal(await prev.isDisabled(), true);

  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("51–60 of 60").waitFor();
  assert.deepEqual(await shownIds(), anonUsers.slice(50).map((u) => u.user_id));
  assert.equal(await page.getByRole("button", { name: "Next" }).isDisabled(), true);
  await prev.click();
  await page.getByText("1–50 of 60").waitFor();
  assert.deepEqual(await shownIds(), first);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot("users-narrow", { width: 400, height: 800 });
});

test("a session expiring while on a page: the next click refreshes silently; an ended session asks to log in and returns to the page", T, async () => {
  await open("users", "Users");
  await page.getByText("1–50 of 60").waitFor();
  const target = page.url();
  const stored = () => page.evaluate(() => JSON.parse(sessionStorage.getItem("guestpass.session")));
  const setAccessToken = (token) =>
    page.evaluate((t) => {
      const s = JSON.parse(sessionStorage.getItem("guestpass.session"));
      sessionStorage.setItem("guestpass.session", JSON.stringify({ ...s, access_token: t }));
    }, token);

  // The access token stops working while the page is open (no reload): the
  // next action refreshes it with the refresh token and goes on.
  const before = await stored();
  await setAccessToken("expired.access.token");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("51–60 of 60").waitFor();
  assert.deepEqual(await shownIds(), anonUsers.slice(50).map((u) => u.user_id));
  const refreshed = await stored();
  assert.notEqual(refreshed.access_token, "expired.access.token", "a new access token");
  assert.equal((await request(`${server.url}${ADMIN}/auth/profile`, { headers: bearer(refreshed.access_token) })).status, 200);
  assert.equal(refreshed.refresh_token, before.refresh_token, "the same session");

  // The session is ended on the server (logged out elsewhere) and the access
  // token stops working: the next action shows sign-in, keeping the page.
  const ended = await request(`${server.url}${ADMIN}/auth/session`, { method: "DELETE", headers: bearer(refreshed.refresh_token) });
  assert.ok(ended.status < 300, show(ended));
  await setAccessToken("expired.access.token");
  await page.getByRole("button", { name: "Previous" }).click();
  await page.getByText("Your session has ended. Log in again to continue.").waitFor();
  assert.equal(page.url(), target, "the page is kept");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log In" }).click();
  await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
  assert.equal(page.url(), target, "back on the page after logging in");
  await page.getByText("1–50 of 60").waitFor();
});

test("Users: filters by provider, anonymous or linked, and state; search by id and by email (shown as text)", T, async () => {
  // A linked user (anonymous, then an email/password account), and one whose email holds markup.
  const linking = anonUsers[3];
  await realmApp().emailPasswordAuth.registerUser({ email: "linked@example.org", password: "secret-pass" });
  const link = await request(routes.link(server.url, APP_ID, "local-userpass"), {
    method: "POST",
    json: { username: "linked@example.org", password: "secret-pass" },
    headers: bearer(linking.access_token),
  });
  assert.equal(link.status, 200, show(link));
  const html = await appApi("POST", "/users", { email: HTML_EMAIL, password: "secret-pass" });
  assert.equal(html.status, 201, show(html));
  const disabled = anonUsers[7];
  assert.equal((await appApi("PUT", `/users/${disabled.user_id}/disable`)).status, 204);

  await open("users", "Users");
  await page.getByText("61 users").waitFor();
  await page.getByLabel("Provider").selectOption("local-userpass");
  await page.getByText("2 users match").waitFor();
  assert.deepEqual((await shownIds()).sort(), [linking.user_id, html.json._id].sort());
  await page.getByLabel("Anonymous or linked").selectOption("linked");
  await page.getByText("1 user matches").waitFor();
  assert.deepEqual(await shownIds(), [linking.user_id]);
  await page.getByLabel("Provider").selectOption("");
  await page.getByLabel("Anonymous or linked").selectOption("anonymous");
  await page.getByText("59 users match").waitFor();
  assert.ok(!(await shownIds()).includes(linking.user_id));
  await page.getByLabel("Anonymous or linked").selectOption("");
  await page.getByLabel("State").selectOption("disabled");
  await page.getByText("1 user matches").waitFor();
  assert.deepEqual(await shownIds(), [disabled.user_id]);
  await page.getByRole("button", { name: "Clear" }).click();
  await page.getByText("61 users").waitFor();

  // Search by id, then by email (normalised as at sign-up).
  const search = page.getByLabel("User ID or email");
  await search.fill(anonUsers[42].user_id);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText("The user with this id:").waitFor();
  assert.deepEqual(await shownIds(), [anonUsers[42].user_id]);
  await search.fill("0".repeat(24));
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText(/^No user of uiusers has the id/).waitFor();
  await search.fill("not an address");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText("Enter a user id (24 hex digits) or an email address.").waitFor();
  assert.equal(await search.getAttribute("aria-invalid"), "true");
  await search.fill(" LINKED@example.org ");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText("1 user matches").waitFor();
  assert.deepEqual(await shownIds(), [linking.user_id]);

  await search.fill(HTML_EMAIL);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByText("1 user matches").waitFor();
  const row = page.getByRole("table", { name: "Users" }).locator("tbody tr");
  assert.equal((await row.locator("td").nth(2).innerText()).trim(), HTML_EMAIL, "the email is shown as text");
  assert.equal(await row.locator("b, img").count(), 0, "no markup was made");
  await page.getByRole("link", { name: html.json._id }).click();
  await page.getByRole("heading", { name: HTML_EMAIL, level: 1 }).waitFor();
  assert.equal(await page.locator("main b, main img").count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "no script ran");
  assert.equal((await appApi("PUT", `/users/${disabled.user_id}/enable`)).status, 204);
});

test("a user's page: identities, data, devices; Disable and Enable (its token refused, then accepted); Log Out Everywhere", T, async () => {
  const target = anonUsers[10];
  assert.equal(await profileStatus(target.access_token), 200);
  await open(`users/${target.user_id}`, `User ${target.user_id}`);
  const identities = page.getByRole("table", { name: "Identities" });
  assert.match(await identities.innerText(), /Anonymous\s+anon-user/);
  const devices = page.getByRole("table", { name: "Devices and sessions, newest first" });
  const deviceText = await devices.innerText();
  assert.match(deviceText, /node 20/, "the platform the SDK sent");
  assert.match(deviceText, /2\.0\.1/, "the SDK version");
  assert.ok(!deviceText.includes(target.refresh_token.slice(0, 20)), "no token shown");
  await shot("user", { fullPage: true });

  // Disable asks first, naming the user; Cancel changes nothing.
  await page.getByRole("button", { name: "Disable User" }).click();
  let confirm = page.getByRole("dialog", { name: `Disable user ${target.user_id}?` });
  await confirm.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Cancel", "focus starts on Cancel");
  await shot("user-disable-confirmation");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal(await profileStatus(target.access_token), 200);
  await page.getByRole("button", { name: "Disable User" }).click();
  confirm = page.getByRole("dialog", { name: `Disable user ${target.user_id}?` });
  await confirm.getByRole("button", { name: "Disable User" }).click();
  await page.getByText(/^Disabled user .*its tokens are refused now/).waitFor();
  assert.equal(await profileStatus(target.access_token), 401, "the access token is refused at once");
  await page.getByRole("button", { name: "Enable User" }).click();
  await page.getByText(/^Enabled user /).waitFor();
  assert.equal(await profileStatus(target.access_token), 200, "accepted again");

  // Log out everywhere: the refresh token is refused, and no device is left.
  await page.getByRole("button", { name: "Log Out Everywhere" }).click();
  confirm = page.getByRole("dialog", { name: `Log out user ${target.user_id} everywhere?` });
  await confirm.getByRole("button", { name: "Log Out Everywhere" }).click();
  await page.getByText("No live sessions: the user is logged out everywhere.").waitFor();
  const refresh = await request(routes.session(server.url), { method: "POST", headers: bearer(target.refresh_token) });
  assert.equal(refresh.status, 401, show(refresh));
});

test("deleting a user asks first, naming it; Cancel keeps it", T, async () => {
  const target = anonUsers[20];
  await open(`users/${target.user_id}`, `User ${target.user_id}`);
  await page.getByRole("button", { name: "Delete User" }).click();
  let confirm = page.getByRole("dialog", { name: `Delete user ${target.user_id}?` });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await appApi("GET", `/users/${target.user_id}`)).status, 200, "Cancel keeps the user");
  await page.getByRole("button", { name: "Delete User" }).click();
  confirm = page.getByRole("dialog", { name: `Delete user ${target.user_id}?` });
  await confirm.getByRole("button", { name: "Delete User" }).click();
  await page.getByText(`Deleted user ${target.user_id}.`).waitFor();
  await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
  assert.equal((await appApi("GET", `/users/${target.user_id}`)).status, 404);
  assert.equal(await profileStatus(target.access_token), 401);
});

test("Pending: registrations waiting for confirmation; Confirm, Resend and Delete (after a confirmation)", T, async () => {
  for (const email of ["pending-a@example.org", "pending-b@example.org", "pending-c@example.org"])
    await realmApp().emailPasswordAuth.registerUser({ email, password: "secret-pass" });
  const calls = (email) => hook.requests.filter((r) => r.json && r.json.email === email).length;
  assert.equal(calls("pending-b@example.org"), 1);

  await open("users", "Users");
  await page.getByRole("navigation", { name: "User lists" }).getByRole("link", { name: "Pending" }).click();
  const table = page.getByRole("table", { name: "Pending registrations" });
  await table.waitFor();
  assert.match(await table.innerText(), /pending-a@example\.org[\s\S]*pending-b@example\.org[\s\S]*pending-c@example\.org/);
  await shot("users-pending");

  await page.getByRole("button", { name: "Resend the confirmation to pending-b@example.org" }).click();
  await page.getByText("Sent the confirmation to pending-b@example.org again.").waitFor();
  assert.equal(calls("pending-b@example.org"), 2, "the webhook was called again");

  await page.getByRole("button", { name: "Confirm pending-a@example.org" }).click();
  await page.getByText("Confirmed pending-a@example.org: the first login makes the user.").waitFor();
  const user = await realmApp().logIn(Realm.Credentials.emailPassword("pending-a@example.org", "secret-pass"));
  assert.match(user.id, /^[0-9a-f]{24}$/, "confirmed by hand: it logs in");

  await page.getByRole("button", { name: "Delete the registration of pending-c@example.org" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete the registration of pending-c@example.org?" });
  await confirm.getByRole("button", { name: "Delete Registration" }).click();
  await page.getByText("Deleted the registration of pending-c@example.org.").waitFor();
  const left = (await appApi("GET", "/user_registrations/pending_users")).json.map((p) => p.login_ids[0].id);
  assert.deepEqual(left, ["pending-b@example.org"]);
  assert.doesNotMatch(await table.innerText(), /pending-c|pending-a/);
});

test("Add User makes an email/password user that realm-web logs in with", T, async () => {
  await open("users", "Users");
  await page.getByRole("button", { name: "Add User" }).click();
  const dialog = page.getByRole("dialog", { name: "Add User" });
  await dialog.getByLabel("Email").fill("added@example.org");
  await dialog.getByLabel("Password").fill("123");
  await dialog.getByRole("button", { name: "Create User" }).click();
  await dialog.getByText("A password is 6 to 128 characters.").waitFor();
  await dialog.getByLabel("Password").fill("added-secret");
  await shot("users-add");
  await dialog.getByRole("button", { name: "Create User" }).click();
  await page.getByText("Created the email/password user added@example.org. It can log in now.").waitFor();
  const user = await realmApp().logIn(Realm.Credentials.emailPassword("added@example.org", "added-secret"));
  const listed = (await appApi("GET", "/users?email=added%40example.org")).json;
  assert.deepEqual(listed.map((u) => u._id), [user.id]);

  // The server's words when it refuses: the email is taken.
  await page.getByRole("button", { name: "Add User" }).click();
  await dialog.getByLabel("Email").fill("added@example.org");
  await dialog.getByLabel("Password").fill("another-secret");
  await dialog.getByRole("button", { name: "Create User" }).click();
  await dialog.getByText(/name already in use/i).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
});

test("API Keys: a server key shown once logs in with realm-web; Disable refuses it; Delete asks first", T, async () => {
  await open("users/api-keys", "Users");
  await page.getByLabel("Key name").fill("ui-backend");
  await page.getByRole("button", { name: "Create API Key" }).click();
  const dialog = page.getByRole("dialog", { name: "API key ui-backend created" });
  const keyField = dialog.getByLabel("API key");
  const key = await keyField.inputValue();
  assert.match(key, /^[0-9a-f]{24}/);
  assert.match(await dialog.innerText(), /shows it only this once/);
  await shot("api-key-created");
  await dialog.getByRole("button", { name: "Done" }).click();
  const user = await realmApp().logIn(Realm.Credentials.apiKey(key));
  assert.match(user.id, /^[0-9a-f]{24}$/);
  assert.equal((await page.locator("body").innerText()).includes(key), false, "the key is not on the page afterwards");

  await page.getByRole("button", { name: "Disable API key ui-backend" }).click();
  await page.getByText("Disabled the API key ui-backend: it logs in no more.").waitFor();
  await assert.rejects(realmApp().logIn(Realm.Credentials.apiKey(key)));
  await page.getByRole("button", { name: "Enable API key ui-backend" }).click();
  await page.getByText("Enabled the API key ui-backend.").waitFor();
  await page.getByRole("button", { name: "Delete API key ui-backend" }).click();
  await page.getByRole("dialog", { name: "Delete API key ui-backend?" }).getByRole("button", { name: "Delete API Key" }).click();
  await page.getByText("This app has no server API keys.").waitFor();
  await assert.rejects(realmApp().logIn(Realm.Credentials.apiKey(key)));
});

test("App Settings: problems shown next to the field before saving; a deployed change is in GET /pull", T, async () => {
  const drafts = async () => (await appApi("GET", "/drafts")).json;
  await open("settings", "App Settings");
  const ttl = page.getByLabel("Refresh token expiration", { exact: true });
  assert.equal(await ttl.inputValue(), "60", "60 days by default");
  await ttl.fill("10");
  await page.getByLabel("Refresh token expiration unit").selectOption("60");
  await page.getByLabel("Anonymous-user cap").fill("-3");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Must be from 30 minutes to 5 years (1,800 to 157,680,000 seconds).").waitFor();
  await page.getByText("Enter a whole number, 0 or more (0: no cap).").waitFor();
  assert.equal(await ttl.getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), await ttl.getAttribute("id"), "focus on the first problem");
  assert.deepEqual(await drafts(), [], "nothing saved, not even a draft");
  await shot("app-settings-validation");

  await ttl.fill("2");
  await page.getByLabel("Refresh token expiration unit").selectOption("86400");
  await page.getByLabel("Expire like other sessions").check();
  await page.getByLabel("Inactivity period for anonymous users (days)").fill("30");
  await page.getByLabel("Anonymous sign-ups per hour").fill("500");
  await page.getByLabel("Anonymous-user cap").fill("1000");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved to the draft.").waitFor();
  const before = (await appApi("GET", "/pull")).json.guestpass;
  assert.equal(before.refresh_token_expiration_seconds, 5184000, "not deployed yet");
  await page.getByRole("button", { name: "Review & Deploy Changes" }).click();
  const review = page.getByRole("dialog", { name: "Review Draft Changes" });
  await review.getByText("guestpass.json").waitFor();
  await review.getByRole("button", { name: "Deploy" }).click();
  await review.getByText("Deployment successful").waitFor();
  await review.getByRole("button", { name: "Close" }).click();
  const pulled = (await appApi("GET", "/pull")).json.guestpass;
  assert.equal(pulled.refresh_token_expiration_seconds, 172800);
  assert.equal(pulled.anonymous.session_expiry, "fixed");
  assert.equal(pulled.anonymous.delete_after_inactive_days, 30);
  assert.equal(pulled.anonymous.signups_per_hour, 500);
  assert.equal(pulled.anonymous.max_users, 1000);
  assert.equal(pulled.anonymous.signup_burst, undefined, "left empty: the server's default");
  await open("settings", "App Settings");
  assert.equal(await page.getByLabel("Refresh token expiration", { exact: true }).inputValue(), "2");
  await shot("app-settings");

  // Secrets, on their own tab: made and deleted here; values never come back.
  await page.getByRole("navigation", { name: "App settings sections" }).getByRole("link", { name: "Secrets" }).click();
  await page.getByLabel("Secret name").fill("ui-secret");
  await page.getByLabel("Value", { exact: true }).fill("a-value-never-shown");
  await page.getByRole("button", { name: "Create Secret" }).click();
  await page.getByText("Created the secret ui-secret.").waitFor();
  assert.deepEqual((await appApi("GET", "/secrets")).json.map((s) => s.name), ["ui-secret"]);
  assert.equal((await page.locator("body").innerText()).includes("a-value-never-shown"), false);
  await page.getByRole("button", { name: "Delete secret ui-secret" }).click();
  await page.getByRole("dialog", { name: "Delete secret ui-secret?" }).getByRole("button", { name: "Delete Secret" }).click();
  await page.getByText("This app has no secrets.").waitFor();
});

test("Custom JWT settings: secret names for keys, checked before saving; deployed, a JWT signed with the secret logs in", T, async () => {
  const drafts = async () => (await appApi("GET", "/drafts")).json;
  // The key, made on the Secrets page: two lines, kept as typed.
  const KEY = "first line of a shared secret\nand its second line, 32+ bytes";
  await open("settings/secrets", "App Settings");
  await page.getByLabel("Secret name").fill("jwt-signing-key");
  await page.getByLabel("Value", { exact: true }).fill(KEY);
  await page.getByRole("button", { name: "Create Secret" }).click();
  await page.getByText("Created the secret jwt-signing-key.").waitFor();
  await open("auth/custom-token", "Custom JWT Authentication");
  await page.getByRole("switch", { name: "Provider Enabled" }).click();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Name at least one secret holding the shared key.").waitFor();
  const keys = page.getByLabel("Signing keys (secret names)");
  assert.equal(await keys.getAttribute("aria-invalid"), "true");
  await keys.fill("not a name!");
  await page.getByRole("button", { name: "Add Metadata Field" }).click();
  await page.getByLabel("Claim path of metadata field 1").fill("user..name");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText(/^Not a secret name: not a name!/).waitFor();
  await page.getByText("Enter a claim path without empty parts, e.g. user.name.").waitFor();
  assert.deepEqual(await drafts(), [], "nothing saved");
  await page.getByLabel("Signing algorithm").selectOption("RS256");
  await page.getByLabel("Use JWK URI").check();
  await page.getByLabel("JWK URI", { exact: true }).fill("ftp://keys.example.org");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Enter a full http:// or https:// URL.").waitFor();
  await shot("custom-jwt-validation");

  await page.getByLabel("Use JWK URI").uncheck();
  await page.getByLabel("Signing algorithm").selectOption("HS256");
  await page.getByLabel("Claim path of metadata field 1").fill("user.name");
  // A well-formed name of a secret the app lacks: the server's words, next to the keys.
  await keys.fill("missing-key");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText(/no secret named 'missing-key'/).waitFor();
  assert.equal(await keys.getAttribute("aria-invalid"), "true");
  assert.deepEqual(await drafts(), [], "the draft the refused Save opened is gone");

  await keys.fill("jwt-signing-key");
  await page.getByLabel("Audience", { exact: true }).fill("my-audience");
  await page.getByLabel("Claim path of metadata field 1").fill("user.name");
  await page.getByLabel("Field name of metadata field 1").fill("name");
  await page.getByLabel("Metadata field 1 required").check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved to the draft.").waitFor();
  const open1 = await drafts();
  assert.equal(open1.length, 1);
  const diff = (await appApi("GET", `/drafts/${open1[0]._id}/diff`)).json.diffs.join("\n");
  assert.match(diff, /\+\s+"secret_config": \{[\s\S]*"jwt-signing-key"/, diff);
  assert.doesNotMatch(diff, /a-shared-secret-of-at-least-32-bytes/, "the key itself is never in the configuration");
  assert.match(diff, /\+\s+"my-audience"/, diff);
  assert.match(diff, /\+\s+"name": "user\.name"/, diff);
  const deployed = await appApi("POST", `/drafts/${open1[0]._id}/deployment`, {});
  assert.equal(deployed.json.status, "successful", show(deployed));

  // A token signed (HS256) with the secret's value, newlines and all, logs in with realm-web.
  const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "ada-42", aud: "my-audience", iat: now, exp: now + 600, user: { name: "Ada" } })}`;
  const jwt = `${body}.${crypto.createHmac("sha256", KEY).update(body).digest("base64url")}`;
  const user = await realmApp().logIn(Realm.Credentials.jwt(jwt));
  const made = (await appApi("GET", `/users/${user.id}`)).json;
  assert.equal(made.data.name, "Ada", "the metadata field");
  assert.equal(made.identities[0].provider_type, "custom-token");
});

test("Logs: a login and an admin change, readable; filtered by type, errors and user; Older pages", T, async () => {
  const wrong = await request(routes.login(server.url, APP_ID, "local-userpass"), {
    method: "POST",
    json: { username: "added@example.org", password: "wrong-password" },
  });
  assert.equal(wrong.status, 401, show(wrong));
  await new Promise((r) => setTimeout(r, 1200)); // the log is written every half second

  await open("logs", "Logs");
  const table = page.getByRole("table", { name: "Log entries, newest first" });
  await table.waitFor();
  const text = await table.innerText();
  assert.match(text, /Login with Anonymous/);
  assert.match(text, /PUT \/users\/[0-9a-f]{24}\/disable/, "the administrator's change, below the app");
  assert.match(text, /admin \(administrator\)/, "who made it");
  assert.match(text, /127\.0\.0\.1/);
  assert.match(text, /node 20, SDK 2\.0\.1/, "the SDK of a login");
  assert.match(text, /Failed \(401\)/);
  await shot("logs");

  await page.getByLabel("Type").selectOption("ADMIN");
  await page.getByText(/entries shown/).waitFor();
  await page.waitForFunction(() => !document.querySelector("table")?.innerText.includes("Login with"));
  assert.match(await table.innerText(), /DELETE \/users\//);

  await page.getByLabel("Type").selectOption("AUTH");
  await page.getByLabel("Errors only").check();
  await page.waitForFunction(() => !document.querySelector("table")?.innerText.includes("OK (200)"));
  assert.match(await table.innerText(), /Login with Email\/Password[\s\S]*Failed \(401\)[\s\S]*[Ii]nvalid username\/password/);

  await page.getByLabel("Errors only").uncheck();
  const target = anonUsers[30];
  await page.getByLabel("User ID").fill(target.user_id);
  await page.getByRole("button", { name: "Apply Filters" }).click();
  await page.getByText("1 entry shown.").waitFor();
  assert.match(await table.innerText(), new RegExp(target.user_id));

  // More than a page of 50: the 60 sign-ups and more; Older appends the next page.
  await page.getByRole("button", { name: "Clear" }).click();
  await page.getByText(/50 entries shown; older ones remain/).waitFor();
  await page.getByRole("button", { name: "Older" }).click();
  await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length > 50);
});
