// End-to-end tests of the admin web UI: Debian's chromium, driven headless by
// playwright-core, against the real server. Controls are found by role and
// accessible name, as a screen reader finds them. The seed's flow is followed
// word for word, and realm-web shows that anonymous login is refused before
// Deploy and works after it, without a restart.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test ui.test.mjs
// GUESTPASS_UI_SCREENSHOTS=1 also saves the main screens to docs/ui/*.png
// (1280x800, and one 400 wide). CHROMIUM_BIN names another chromium than /usr/bin/chromium.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import * as Realm from "realm-web";

import { launchBrowser, screenshot } from "./lib/browser.mjs";
import { REPO_ROOT, request, show, startServer } from "./lib/server.mjs";

const ADMIN = "/api/admin/v3.0";
const PASSWORD = "ui-admin-password";
const T = { timeout: 60_000 };
const MemoryStorage = Realm.getEnvironment().defaultStorage.constructor;

let server;
let context; // the browser (a persistent context in a fresh profile directory)
let page;
let adminSession; // raw-API session for checks behind the UI's back
let group;

async function api(method, p, json) {
  return request(`${server.url}${ADMIN}${p}`, {
    method,
    json,
    headers: { Authorization: `Bearer ${adminSession.access_token}` },
  });
}

/** Whether realm-web can log in anonymously to the app right now. */
async function anonLoginWorks(clientAppId) {
  const app = new Realm.App({ id: clientAppId, baseUrl: server.url, storage: new MemoryStorage() });
  try {
    const user = await app.logIn(Realm.Credentials.anonymous());
    return typeof user.id === "string";
  } catch (err) {
    assert.ok(err instanceof Realm.MongoDBRealmError, `unexpected error: ${err}`);
    return false;
  }
}

function shot(name, options) {
  return screenshot(page, name, options);
}

async function signIn(password = PASSWORD) {
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log In" }).click();
}

async function appByName(name) {
  const res = await api("GET", `/groups/${group}/apps`);
  assert.equal(res.status, 200, show(res));
  return res.json.find((a) => a.name === name);
}

before(async () => {
  server = await startServer({ env: { GUESTPASS_ADMIN_PASSWORD: PASSWORD } });
  const login = await request(`${server.url}${ADMIN}/auth/providers/local-userpass/login`, {
    method: "POST",
    json: { username: "admin", password: PASSWORD },
  });
  assert.equal(login.status, 200, show(login));
  adminSession = login.json;
  const profile = await api("GET", "/auth/profile");
  group = profile.json.roles[0].group_id;

  ({ context, page } = await launchBrowser());
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
});

test("the page and its assets: content types, caching, CSP, no framing, no CORS", T, async () => {
  const index = await request(`${server.url}/`, { headers: { Origin: "https://evil.example" } });
  assert.equal(index.status, 200, show(index));
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const csp = index.headers.get("content-security-policy");
  for (const part of ["default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"])
    assert.ok(csp.includes(part), `CSP lacks ${part}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe|\*/);
  assert.equal(index.headers.get("x-frame-options"), "DENY");
  assert.equal(index.headers.get("x-content-type-options"), "nosniff");
  assert.equal(index.headers.get("access-control-allow-origin"), null, "no CORS for the UI");
  assert.doesNotMatch(index.text, /<script>|<style|style=/, "nothing inline");

  const js = index.text.match(/src="(\/assets\/[0-9a-f]{16}\/app\.js)"/);
  assert.ok(js, index.text);
  const asset = await request(`${server.url}${js[1]}`);
  assert.equal(asset.status, 200, show(asset));
  assert.equal(asset.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(asset.headers.get("content-security-policy"), csp);
  assert.equal(asset.headers.get("x-frame-options"), "DENY");
  const css = await request(`${server.url}${js[1].replace("app.js", "app.css")}`);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  const nested = await request(`${server.url}${js[1].replace("app.js", "pages/apps.js")}`);
  assert.equal(nested.status, 200, "modules in folders are served under the build id too");

  for (const missing of [js[1].replace("app.js", "nope.js"), "/assets/0000000000000000/app.js", "/assets/app.js"]) {
    const res = await request(`${server.url}${missing}`);
    assert.equal(res.status, 404, `${missing}: ${show(res)}`);
  }
});

test("the shipped JavaScript and CSS are under 200 KB compressed; the first page is usable in under a second", T, async () => {
  const index = await request(`${server.url}/`);
  const base = index.text.match(/src="(\/assets\/[0-9a-f]{16})\/app\.js"/)[1];
  const webDir = path.join(REPO_ROOT, "web");
  const files = fs
    .readdirSync(webDir, { recursive: true })
    .map((f) => f.split(path.sep).join("/"))
    .filter((f) => /\.(js|css)$/.test(f));
  let raw = 0;
  let compressed = 0;
  for (const file of files) {
    const res = await fetch(`${server.url}${base}/${file}`);
    assert.equal(res.status, 200, file);
    const bytes = Buffer.from(await res.arrayBuffer());
    raw += bytes.length;
    compressed += zlib.gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`web UI: ${files.length} JavaScript and CSS files, ${raw} bytes, ${compressed} bytes gzip-compressed`);
  assert.ok(compressed < 200 * 1024, `${compressed} bytes compressed`);

  const fresh = await context.newPage(); // a new tab: no session, so the sign-in form
  const started = performance.now();
  await fresh.goto(`${server.url}/`);
  await fresh.getByRole("button", { name: "Log In" }).waitFor();
  const elapsed = Math.round(performance.now() - started);
  console.log(`web UI: the sign-in form was usable ${elapsed} ms after navigation started`);
  await fresh.close();
  assert.ok(elapsed < 1000, `${elapsed} ms`);
});

test("a wrong password shows the server's words, not JSON", T, async () => {
  await page.goto(`${server.url}/`);
  await shot("sign-in");
  await signIn("not-the-password");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), "Invalid username/password");
  assert.doesNotMatch(await page.locator("body").innerText(), /error_code|[{}]/);
  assert.equal(await page.getByLabel("Password").inputValue(), "", "the wrong password is cleared");
});

test("the seed's flow: enable anonymous login, Save, Review & Deploy Changes, Deploy", T, async () => {
  await page.goto(`${server.url}/`);
  await signIn();
  await page.getByRole("heading", { name: "Apps" }).waitFor();

  await page.getByLabel("App name").fill("ui-seed");
  await page.getByRole("button", { name: "Create App" }).click();
  await page.getByRole("link", { name: "ui-seed" }).waitFor();
  await shot("apps");
  const app = await appByName("ui-seed");
  assert.ok(app, "the app exists");
  assert.ok(await page.getByRole("cell", { name: app.client_app_id }).isVisible(), "the list shows the client app id");
  assert.equal(await anonLoginWorks(app.client_app_id), false, "a new app has no anonymous login");

  await page.getByRole("link", { name: "ui-seed" }).click();
  const sidebar = page.getByRole("navigation", { name: "App sections" });
  for (const name of ["Authentication", "Users", "App Settings", "Deployment", "Logs"])
    await sidebar.getByRole("link", { name, exact: true }).waitFor(); // each section has its link

  // "Select Authentication in the left sidebar."
  await sidebar.getByRole("link", { name: "Authentication" }).click();
  await page.getByRole("heading", { name: "Authentication" }).waitFor();
  await page.getByText("Allow users to log in anonymously").waitFor();
  await shot("providers");
  await shot("providers-narrow", { width: 400, height: 800 });

  // "Select the Allow users to log in anonymously entry of the Provider list."
  await page.getByText("Allow users to log in anonymously").click();
  const toggle = page.getByRole("switch", { name: "Provider Enabled" });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute("aria-checked"), "false");

  // "Click the Provider Enabled toggle to move it into the On state."
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await shot("anonymous-provider");

  // "Click the Save button in the lower right of the page."
  const save = page.getByRole("button", { name: "Save" });
  const box = await save.boundingBox();
  assert.ok(box.x + box.width > 1280 * 0.75 && box.y + box.height > 800 * 0.6, `Save sits in the lower right: ${JSON.stringify(box)}`);
  await save.click();
  await page.getByText("Saved to the draft.").waitFor();

  // "Click Review & Deploy Changes in the banner that appears at the top of the page."
  const review = page.getByRole("region", { name: "Undeployed changes" }).getByRole("button", { name: "Review & Deploy Changes" });
  await review.waitFor();
  assert.ok((await review.boundingBox()).y < 150, "the banner is at the top");
  assert.equal(await anonLoginWorks(app.client_app_id), false, "Save without Deploy changes nothing for clients");
  await shot("draft-banner");
  await review.click();

  // "Review the changes and click Deploy in the lower right of the dialog."
  const dialog = page.getByRole("dialog", { name: "Review Draft Changes" });
  await dialog.waitFor();
  await dialog.getByText("auth/providers.json").waitFor();
  const added = dialog.locator(".diff-added");
  assert.ok((await added.count()) > 0, "the diff shows added lines");
  assert.match(await dialog.innerText(), /\+\s+"anon-user": \{|\+\s+"type": "anon-user"/);
  await shot("review-dialog");
  const deploy = dialog.getByRole("button", { name: "Deploy" });
  const dialogBox = await dialog.boundingBox();
  const deployBox = await deploy.boundingBox();
  assert.ok(dialogBox.x + dialogBox.width - (deployBox.x + deployBox.width) < 40, "Deploy is at the right");
  assert.ok(dialogBox.y + dialogBox.height - (deployBox.y + deployBox.height) < 40, "Deploy is at the bottom");
  await deploy.click();
  await dialog.getByText("Deployment successful").waitFor();
  await shot("deployed");
  assert.equal(await anonLoginWorks(app.client_app_id), true, "after Deploy, anonymous login works without a restart");

  await dialog.getByRole("button", { name: "Close" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  await page.getByRole("region", { name: "Undeployed changes" }).waitFor({ state: "detached" }); // no draft, no banner
  await sidebar.getByRole("link", { name: "Authentication" }).click();
  const row = page.getByRole("link", { name: /Anonymous/ });
  assert.match(await row.innerText(), /Enabled/);
});

test("the reverse flow discarded changes nothing; deployed, it refuses anonymous login", T, async () => {
  const app = await appByName("ui-seed");
  await page.goto(`${server.url}/#/apps/${app._id}/auth/anon-user`);
  const toggle = page.getByRole("switch", { name: "Provider Enabled" });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  // Keyboard: Space on the focused switch toggles it.
  await toggle.focus();
  await page.keyboard.press("Space");
  assert.equal(await toggle.getAttribute("aria-checked"), "false");
  await page.getByRole("button", { name: "Save" }).click();
  const banner = page.getByRole("region", { name: "Undeployed changes" });
  await banner.getByRole("button", { name: "Discard" }).click();
  const confirm = page.getByRole("dialog", { name: "Discard the draft?" });
  assert.match(await confirm.innerText(), /ui-seed/);
  await confirm.getByRole("button", { name: "Discard Draft" }).click();
  await banner.waitFor({ state: "detached" });
  assert.equal(await anonLoginWorks(app.client_app_id), true, "a discarded draft changes nothing");

  await page.reload();
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute("aria-checked"), "true", "the page shows the deployed state again");
  await toggle.click();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("button", { name: "Review & Deploy Changes" }).click();
  const dialog = page.getByRole("dialog", { name: "Review Draft Changes" });
  await dialog.getByRole("button", { name: "Deploy" }).click();
  await dialog.getByText("Deployment successful").waitFor();
  assert.equal(await anonLoginWorks(app.client_app_id), false, "switched off and deployed: refused");
});

test("Deployment: the history, Redeploy after a confirmation, and Disable Drafts", T, async () => {
  const app = await appByName("ui-seed");
  await page.goto(`${server.url}/#/apps/${app._id}/auth`);
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name: "Deployment" }).click();
  const history = page.getByRole("table", { name: "Deployment history, newest first" });
  await history.waitFor();
  const rows = history.locator("tbody tr");
  assert.equal(await rows.count(), 2, "two deployments from the UI: on, then off");
  for (let i = 0; i < 2; i += 1) {
    const text = await rows.nth(i).innerText();
    assert.match(text, /Web UI/);
    assert.match(text, /Successful/);
    assert.match(text, /admin \(you\)/);
  }
  await shot("deployment");

  // Redeploy the first deployment (anonymous login on): a rollback.
  await rows.nth(1).getByRole("button", { name: /^Redeploy / }).click();
  const confirm = page.getByRole("dialog", { name: /^Redeploy / });
  await confirm.getByRole("button", { name: "Redeploy" }).click();
  await page.getByText(/^Redeployed /).waitFor();
  assert.equal(await anonLoginWorks(app.client_app_id), true, "the redeploy switched anonymous login back on");
  assert.equal(await rows.count(), 3);

  // Disable Drafts: then Save deploys at once and no banner appears.
  const drafts = page.getByRole("switch", { name: "Disable Drafts" });
  assert.equal(await drafts.getAttribute("aria-checked"), "false");
  await drafts.click();
  await page.getByText("Drafts are disabled").waitFor();
  assert.equal(await drafts.getAttribute("aria-checked"), "true");
  const config = await api("GET", `/groups/${group}/apps/${app._id}/deploy/config`);
  assert.equal(config.json.ui_drafts_disabled, true, show(config));

  await page.goto(`${server.url}/#/apps/${app._id}/auth/anon-user`);
  const toggle = page.getByRole("switch", { name: "Provider Enabled" });
  await toggle.waitFor();
  await toggle.click();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved and deployed").waitFor();
  assert.equal(await page.getByRole("region", { name: "Undeployed changes" }).count(), 0);
  assert.equal(await anonLoginWorks(app.client_app_id), false, "Save deployed at once");
  const off = await api("PATCH", `/groups/${group}/apps/${app._id}/deploy/config`, { ui_drafts_disabled: false });
  assert.equal(off.status, 204, show(off));
});

test("an expired access token refreshes silently; an ended session returns to sign-in on the same page", T, async () => {
  const app = await appByName("ui-seed");
  const target = `${server.url}/#/apps/${app._id}/auth`;
  await page.goto(target);
  await page.getByText("Allow users to log in anonymously").waitFor();
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("guestpass.session"));
    sessionStorage.setItem("guestpass.session", JSON.stringify({ ...s, access_token: "expired.token.value" }));
  });
  await page.reload();
  await page.getByText("Allow users to log in anonymously").waitFor();

  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("guestpass.session"));
    sessionStorage.setItem("guestpass.session", JSON.stringify({ ...s, access_token: "x.y.z", refresh_token: "x.y.z" }));
  });
  await page.reload();
  await page.getByText("Your session has ended. Log in again to continue.").waitFor();
  assert.equal(page.url(), target, "the page is kept");
  await signIn();
  await page.getByText("Allow users to log in anonymously").waitFor();
  assert.equal(page.url(), target);
});

test("Email/Password settings: problems are explained next to the field before anything is saved", T, async () => {
  const app = await appByName("ui-seed");
  const drafts = () => api("GET", `/groups/${group}/apps/${app._id}/drafts`).then((r) => r.json);
  await page.goto(`${server.url}/#/apps/${app._id}/auth`);
  await page.getByText("Allow users to log in with an email and password").click();
  const toggle = page.getByRole("switch", { name: "Provider Enabled" });
  await toggle.click();
  const url = page.getByLabel("Email confirmation URL");
  await url.fill("not a url");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Enter a full http:// or https:// URL.").waitFor();
  assert.equal(await url.getAttribute("aria-invalid"), "true");
  assert.match(await url.getAttribute("aria-describedby"), /error/, "the error is the field's description");
  await page.getByText(/^New users must confirm/).waitFor();
  assert.deepEqual(await drafts(), [], "nothing was saved, not even a draft");
  await shot("email-password-validation");

  await url.fill("");
  await page.getByLabel("Automatically confirm users").check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved to the draft.").waitFor();
  const open = await drafts();
  assert.equal(open.length, 1);
  const diff = await api("GET", `/groups/${group}/apps/${app._id}/drafts/${open[0]._id}/diff`);
  assert.match(diff.json.diffs.join("\n"), /\+\s+"autoConfirm": true/, show(diff));
  const gone = await api("DELETE", `/groups/${group}/apps/${app._id}/drafts/${open[0]._id}`);
  assert.equal(gone.status, 204, show(gone));
});

test("deleting an app asks first, naming it", T, async () => {
  const created = await api("POST", `/groups/${group}/apps`, { name: "ui-doomed" });
  assert.equal(created.status, 201, show(created));
  await page.goto(`${server.url}/#/apps`);
  const remove = page.getByRole("button", { name: "Delete app ui-doomed" });
  await remove.click();
  let confirm = page.getByRole("dialog", { name: "Delete ui-doomed?" });
  assert.match(await confirm.innerText(), new RegExp(created.json.client_app_id));
  await shot("delete-confirmation");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.ok(await appByName("ui-doomed"), "Cancel keeps the app");

  await remove.click();
  confirm = page.getByRole("dialog", { name: "Delete ui-doomed?" });
  await confirm.getByRole("button", { name: "Delete ui-doomed" }).click();
  await page.getByText("Deleted ui-doomed.").waitFor();
  assert.equal(await appByName("ui-doomed"), undefined);
  assert.equal(await page.getByRole("link", { name: "ui-doomed" }).count(), 0, "the list is reloaded before the message");
});

/** Presses Tab until `locator` has the focus (at most 100 times), as a keyboard user would. */
async function tabTo(locator, what) {
  await locator.waitFor();
  for (let i = 0; i < 100; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`${what}: not reached with Tab`);
}

test("the seed's flow with the keyboard alone: sign in, create an app, enable anonymous login, Save, Deploy", T, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${server.url}/`);
  await page.reload();
  await tabTo(page.getByLabel("Username"), "Username");
  await page.keyboard.type("admin");
  await tabTo(page.getByLabel("Password"), "Password");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Apps" }).waitFor();

  await tabTo(page.getByLabel("App name"), "App name");
  await page.keyboard.type("ui-keys");
  await page.keyboard.press("Enter");
  const appLink = page.getByRole("link", { name: "ui-keys" });
  await tabTo(appLink, "the app's link");
  await page.keyboard.press("Enter");
  const sidebar = page.getByRole("navigation", { name: "App sections" });
  await tabTo(sidebar.getByRole("link", { name: "Authentication" }), "Authentication");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Authentication" }).waitFor();
  await tabTo(page.getByRole("link", { name: /Anonymous/ }), "the anonymous provider's row");
  await page.keyboard.press("Enter");
  const toggle = page.getByRole("switch", { name: "Provider Enabled" });
  await tabTo(toggle, "Provider Enabled");
  await page.keyboard.press("Space");
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await tabTo(page.getByRole("button", { name: "Save" }), "Save");
  await page.keyboard.press("Enter");
  await page.getByText("Saved to the draft.").waitFor();
  await tabTo(page.getByRole("button", { name: "Review & Deploy Changes" }), "Review & Deploy Changes");
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Review Draft Changes" });
  await tabTo(dialog.getByRole("button", { name: "Deploy" }), "Deploy");
  await page.keyboard.press("Enter");
  await dialog.getByText("Deployment successful").waitFor();
  const app = await appByName("ui-keys");
  assert.equal(await anonLoginWorks(app.client_app_id), true, "deployed with the keyboard alone");
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });
});
