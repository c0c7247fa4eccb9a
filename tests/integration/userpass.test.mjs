// End-to-end tests of the email/password (local-userpass) provider
// (client-api.md sections 5, 6, 11, 15): registration and login with
// autoConfirm, linking an email to an anonymous user with realm-web 2.0.1,
// confirmation and password reset by SMTP email (a local smtp-server
// receiver) and by webhook (a local node:http receiver), delivery failures,
// and that no password or token ever reaches the server's log.
//
// Run: GUESTPASS_BIN=/path/to/guestpass node --test userpass.test.mjs

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import * as Realm from "realm-web";

import { makeAppDir, rawAnonLogin, request, routes, show, sleep, startServer, API } from "./lib/server.mjs";
import { LINK_TIMEOUT_MS, MemoryStorage, assertError, assertRealmError, bearer, withTimeout } from "./lib/realm_assert.mjs";
import { closedPort, startSmtpReceiver, startWebhookReceiver } from "./lib/receivers.mjs";

const HEX24 = /^[0-9a-f]{24}$/;
const T = { timeout: 30_000 };

const AUTO_APP = "upauto-abcde"; //      autoConfirm
const SMTP_APP = "upsmtp-abcde"; //      confirmation and reset by email
const HOOK_APP = "uphook-abcde"; //      confirmation and reset by webhook
const DOWN_APP = "updown-abcde"; //      smtp.url points at a closed port
const HOOKDOWN_APP = "uphkdn-abcde"; //  confirmationWebhookUrl points at a closed port

const FROM = "noreply@example.test";
const CONFIRM_URL = "https://app.example.test/confirm";
const RESET_URL = "https://app.example.test/reset?lang=en"; // the token query is appended with '&'
const CONFIRM_SUBJECT = "Confirm your guestpass account";
const RESET_SUBJECT = "Réinitialiser le mot de passe ✓ — guestpass"; // non-ASCII: RFC 2047 encoded
const SMTP_USER = "mailer";

// Everything secret that the server sees; none of it may appear in its log (test 8).
const secrets = new Set();
const secret = (value) => {
  secrets.add(value);
  return value;
};
const SMTP_PASSWORD = secret(`smtp-pw-${randomUUID()}`);
const WEBHOOK_SECRET = secret(`hook-secret-${randomUUID()}`);

// Credentials inside webhook URLs (query key, userinfo password): delivery.h
// promises that error messages never name the URL, as it may carry them.
const HOOK_URL_KEY = `urlkey-${randomUUID()}`;
const HOOKDOWN_URL_PASSWORD = `urlpw-${randomUUID()}`;
const urlSecrets = [HOOK_URL_KEY, HOOKDOWN_URL_PASSWORD];

/** A fresh, distinctive password (6..128 characters). */
const newPassword = () => secret(`pw-${randomUUID().slice(0, 13)}`);
/** A fresh lowercase email address. */
const newEmail = (tag = "u") => `${tag}-${randomUUID().slice(0, 12)}@example.test`;






const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The {token, tokenId} of the first link in `body` that starts with `base`. */
function tokenFromLink(body, base) {
  const m = new RegExp(`${escapeRe(base)}[^\\s]*`).exec(body);
  assert.ok(m, `no link starting with ${base} in the email body:\n${body}`);
  const url = new URL(m[0]);
  const token = url.searchParams.get("token");
  const tokenId = url.searchParams.get("tokenId");
  assert.ok(token && token.length >= 32, `token missing or short in ${m[0]}`);
  assert.match(tokenId ?? "", HEX24, `tokenId in ${m[0]}`);
  secret(token);
  return { token, tokenId, link: m[0] };
}

const userpassUrl = (base, appId, op) => `${base}${API}/app/${encodeURIComponent(appId)}/auth/providers/local-userpass/${op}`;

// ---------------------------------------------------------------------------

describe("email/password (local-userpass)", () => {
  let server;
  let smtp;
  let hook;
  let downPort; // SMTP port of DOWN_APP: nothing listens there
  const confirmModes = new Map(); // email -> webhook answer for "confirm"
  const resetModes = new Map(); //   email -> webhook answer for "reset"

  const newApp = (appId) => new Realm.App({ id: appId, baseUrl: server.url, storage: new MemoryStorage() });

  const op = (appId, name, json, headers = {}) =>
    request(userpassUrl(server.url, appId, name), { method: "POST", json, headers });

  const rawLogin = (appId, email, password) =>
    request(routes.login(server.url, appId, "local-userpass"), { method: "POST", json: { username: email, password } });

  const rawLink = (appId, email, password, accessToken) =>
    request(routes.link(server.url, appId, "local-userpass"), {
      method: "POST",
      json: { username: email, password, options: { device: { sdkVersion: "2.0.1", platform: "node", platformVersion: "20" } } },
      headers: bearer(accessToken),
    });

  async function rawProfile(accessToken) {
    const res = await request(routes.profile(server.url), { headers: bearer(accessToken) });
    assert.equal(res.status, 200, show(res));
    return res.json;
  }

  /** Logs in on a fresh App; returns the realm-web user. */
  const login = (appId, email, password) => newApp(appId).logIn(Realm.Credentials.emailPassword(email, password));

  /** Raw login that must succeed; returns the body. */
  async function loginOk(appId, email, password) {
    const res = await rawLogin(appId, email, password);
    assert.equal(res.status, 200, `login ${email}: ${show(res)}`);
    assert.match(res.json?.user_id ?? "", HEX24, show(res));
    return res.json;
  }

  /** Registers and confirms `email` on the SMTP app through the emailed link. */
  async function registerConfirmedSmtp(email, password) {
    await newApp(SMTP_APP).emailPasswordAuth.registerUser({ email, password });
    const mail = await smtp.waitForMail(email, smtp.to(email).length || 1);
    const { token, tokenId } = tokenFromLink(mail.body, CONFIRM_URL);
    await newApp(SMTP_APP).emailPasswordAuth.confirmUser({ token, tokenId });
  }

  /** Asserts the webhook request's body, headers and signature; returns its JSON body. */
  function checkWebhook(rec, { type, email, path, args }) {
    assert.equal(rec.method, "POST", rec.raw);
    assert.equal(rec.path, `${path}?key=${HOOK_URL_KEY}`, rec.raw);
    assert.match(rec.headers["content-type"] ?? "", /^application\/json\b/, JSON.stringify(rec.headers));
    const expectedSig = "sha256=" + createHmac("sha256", WEBHOOK_SECRET).update(Buffer.from(rec.raw, "utf8")).digest("hex");
    assert.equal(rec.headers["x-guestpass-signature"], expectedSig, `signature of ${rec.raw}`);
    const body = rec.json;
    assert.ok(body && typeof body === "object", rec.raw);
    const keys = ["app_id", "email", "token", "tokenId", "type"].concat(args !== undefined ? ["arguments"] : []).sort();
    assert.deepEqual(Object.keys(body).sort(), keys, rec.raw);
    assert.equal(body.type, type, rec.raw);
    assert.equal(body.app_id, HOOK_APP, rec.raw);
    assert.equal(body.email, email, rec.raw);
    assert.equal(typeof body.token, "string", rec.raw);
    assert.ok(body.token.length >= 32, rec.raw);
    assert.match(body.tokenId, HEX24, rec.raw);
    if (args !== undefined) assert.deepEqual(body.arguments, args, rec.raw);
    secret(body.token);
    return body;
  }

  before(async () => {
    smtp = await startSmtpReceiver({ username: SMTP_USER, password: SMTP_PASSWORD });
    hook = await startWebhookReceiver();
    hook.respond = (rec) => {
      const b = rec.json || {};
      const modes = b.type === "reset" ? resetModes : confirmModes;
      const mode = modes.get(b.email) ?? "success";
      if (typeof mode === "object") return mode; // a raw answer, e.g. {status: 500}
      return { json: { status: mode } };
    };
    downPort = await closedPort();
    const hookDownPort = await closedPort();

    const anon = { name: "anon-user", type: "anon-user", disabled: false };
    const userpass = (config) => ({ name: "local-userpass", type: "local-userpass", disabled: false, config });
    const apps = [
      [AUTO_APP, { autoConfirm: true }],
      [
        SMTP_APP,
        {
          autoConfirm: false,
          emailConfirmationUrl: CONFIRM_URL,
          confirmEmailSubject: CONFIRM_SUBJECT,
          resetPasswordUrl: RESET_URL,
          resetPasswordSubject: RESET_SUBJECT,
          smtp: { url: smtp.url, from: FROM, username: SMTP_USER, password: SMTP_PASSWORD, starttls: false },
        },
      ],
      [
        HOOK_APP,
        {
          autoConfirm: false,
          confirmationWebhookUrl: hook.url(`/confirm?key=${HOOK_URL_KEY}`),
          resetWebhookUrl: hook.url(`/reset?key=${HOOK_URL_KEY}`),
          webhookSecret: WEBHOOK_SECRET,
        },
      ],
      [
        DOWN_APP,
        {
          autoConfirm: false,
          emailConfirmationUrl: CONFIRM_URL,
          resetPasswordUrl: RESET_URL,
          smtp: { url: `smtp://127.0.0.1:${downPort}`, from: FROM },
        },
      ],
      [
        HOOKDOWN_APP,
        { autoConfirm: false, confirmationWebhookUrl: `http://hookuser:${HOOKDOWN_URL_PASSWORD}@127.0.0.1:${hookDownPort}/confirm` },
      ],
    ];
    const dirs = [];
    for (const [appId, config] of apps) {
      dirs.push(
        await makeAppDir({ appId, name: appId.split("-")[0], providers: { "anon-user": anon, "local-userpass": userpass(config) } }),
      );
    }
    server = await startServer({ appDirs: dirs });
    assert.deepEqual(server.apps.map((a) => a.id).sort(), apps.map(([id]) => id).sort(), server.stdout());
  });

  after(async () => {
    if (server) await server.stop();
    if (smtp) await smtp.stop();
    if (hook) await hook.stop();
  });

  // 1 ------------------------------------------------------------------------

  describe("1. autoConfirm: register and log in", () => {
    test("register -> log in -> the same user id on a second login; 201 with no body", T, async () => {
      const email = newEmail("auto");
      const password = newPassword();
      const app = newApp(AUTO_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const user = await app.logIn(Realm.Credentials.emailPassword(email, password));
      assert.match(user.id, HEX24);
      assert.deepEqual(user.identities.map((i) => i.providerType), ["local-userpass"], JSON.stringify(user.identities));
      assert.equal(user.profile.email, email, JSON.stringify(user.profile));
      const profile = await rawProfile(user.accessToken);
      assert.equal(profile.user_id, user.id);
      assert.equal(profile.data?.email, email, JSON.stringify(profile));
      assert.equal(profile.identities[0].provider_type, "local-userpass", JSON.stringify(profile));
      assert.match(profile.identities[0].id, HEX24, JSON.stringify(profile));

      const again = await login(AUTO_APP, email, password);
      assert.equal(again.id, user.id);
      assert.notEqual(again.refreshToken, user.refreshToken, "every login opens a new session");
      // Case and surrounding whitespace of the email do not matter at login.
      const shouted = await loginOk(AUTO_APP, `  ${email.toUpperCase()} `, password);
      assert.equal(shouted.user_id, user.id);

      // Raw register: 201 and an empty body.
      const rawEmail = newEmail("raw");
      const res = await op(AUTO_APP, "register", { email: rawEmail, password: newPassword() });
      assert.equal(res.status, 201, show(res));
      assert.equal(res.text, "", show(res));
    });

    test("duplicate register -> 409 AccountNameInUse 'name already in use' (any case / whitespace)", T, async () => {
      const email = newEmail("dup");
      const password = newPassword();
      const app = newApp(AUTO_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const other = newPassword();
      for (const variant of [email, email.toUpperCase(), `  ${email} `, `\t${email.replace(/^./, (c) => c.toUpperCase())}`]) {
        const res = await op(AUTO_APP, "register", { email: variant, password: other });
        assertError(res, 409, "AccountNameInUse", "name already in use");
      }
      await assertRealmError(
        app.emailPasswordAuth.registerUser({ email, password: other }),
        { statusCode: 409, errorCode: "AccountNameInUse", message: /^name already in use$/ },
        "registerUser(duplicate)",
      );
      // The first password still holds; the attempted one does not.
      await loginOk(AUTO_APP, email, password);
      assertError(await rawLogin(AUTO_APP, email, other), 401, "InvalidPassword");
    });

    test("password length: 5 or 129 characters -> 400 InvalidParameter; 6 and 128 are accepted (code points)", T, async () => {
      const bad = [
        ["5 ASCII", secret("Xq7#z")],
        ["129 ASCII", secret("p".repeat(120) + "Xq7#zXq7#")],
        ["5 two-byte code points (10 bytes)", secret("äöüßé")],
        ["empty", ""],
      ];
      for (const [what, password] of bad) {
        const email = newEmail("len");
        const res = await op(AUTO_APP, "register", { email, password });
        assertError(res, 400, "InvalidParameter", undefined);
        assert.match(res.json.error, /password/, `${what}: ${show(res)}`);
        // Nothing was created: the same email can register with a good password.
        const ok = await op(AUTO_APP, "register", { email, password: newPassword() });
        assert.equal(ok.status, 201, `${what}: ${show(ok)}`);
      }
      await assertRealmError(
        newApp(AUTO_APP).emailPasswordAuth.registerUser({ email: newEmail("len"), password: secret("Xq7#y") }),
        { statusCode: 400, errorCode: "InvalidParameter" },
        "registerUser(5-character password)",
      );
      const good = [
        ["6 ASCII", secret("Kw9!vB")],
        ["128 ASCII", secret("q".repeat(119) + "Kw9!vBKw9")],
        ["6 two-byte code points", secret("ÄÖÜßéà")],
        ["128 code points, 3 bytes each", secret("✓".repeat(127) + "Z")],
      ];
      for (const [what, password] of good) {
        const email = newEmail("len");
        const res = await op(AUTO_APP, "register", { email, password });
        assert.equal(res.status, 201, `${what}: ${show(res)}`);
        await loginOk(AUTO_APP, email, password);
      }
    });

    test("malformed email -> 400 InvalidParameter; missing fields -> 400 MissingParameter", T, async () => {
      for (const email of ["not-an-email", "a@", "@example.test", "a b@example.test", "a@b@example.test", "   ", ""]) {
        const res = await op(AUTO_APP, "register", { email, password: newPassword() });
        assertError(res, 400, "InvalidParameter");
        assert.match(res.json.error, /email/, show(res));
      }
      await assertRealmError(
        newApp(AUTO_APP).emailPasswordAuth.registerUser({ email: "nobody", password: newPassword() }),
        { statusCode: 400, errorCode: "InvalidParameter" },
        "registerUser(malformed email)",
      );
      assertError(await op(AUTO_APP, "register", { email: newEmail() }), 400, "MissingParameter");
      assertError(await op(AUTO_APP, "register", { password: newPassword() }), 400, "MissingParameter");
      assertError(await op(AUTO_APP, "register", { email: newEmail(), password: 123456 }), 400, "MissingParameter");
    });

    test("wrong password and unknown email -> 401 InvalidPassword with the same body", T, async () => {
      const email = newEmail("pw");
      const password = newPassword();
      await newApp(AUTO_APP).emailPasswordAuth.registerUser({ email, password });
      const wrong = await rawLogin(AUTO_APP, email, newPassword());
      assertError(wrong, 401, "InvalidPassword");
      const unknown = await rawLogin(AUTO_APP, newEmail("ghost"), newPassword());
      assertError(unknown, 401, "InvalidPassword");
      assert.equal(unknown.text, wrong.text, "an unknown email must look exactly like a wrong password");
      await assertRealmError(
        login(AUTO_APP, email, newPassword()),
        { statusCode: 401, errorCode: "InvalidPassword" },
        "logIn(wrong password)",
      );
      await assertRealmError(
        login(AUTO_APP, newEmail("ghost"), newPassword()),
        { statusCode: 401, errorCode: "InvalidPassword" },
        "logIn(unknown email)",
      );
      // Missing username/password -> 400, not 401.
      const missing = await request(routes.login(server.url, AUTO_APP, "local-userpass"), { method: "POST", json: { username: email } });
      assertError(missing, 400, "MissingParameter");
      // The right password still works after the failures.
      await loginOk(AUTO_APP, email, password);
    });

    test("a deleted user's email: login -> 401 InvalidPassword; it can register again as a new user", T, async () => {
      const email = newEmail("del");
      const password = newPassword();
      const app = newApp(AUTO_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const user = await app.logIn(Realm.Credentials.emailPassword(email, password));
      const oldId = user.id;
      await app.deleteUser(user);
      assertError(await rawLogin(AUTO_APP, email, password), 401, "InvalidPassword");
      const res = await op(AUTO_APP, "register", { email, password });
      assert.equal(res.status, 201, show(res));
      const fresh = await loginOk(AUTO_APP, email, password);
      assert.notEqual(fresh.user_id, oldId);
    });
  });

  // 2 ------------------------------------------------------------------------

  describe("2. linking an email/password identity to an anonymous user", () => {
    test("anonymous -> register -> linkCredentials -> logout -> log in with the email: the same user", T, async () => {
      const app = newApp(AUTO_APP);
      const user = await app.logIn(Realm.Credentials.anonymous());
      const userId = user.id;
      const anonIdentity = user.identities[0].id;
      const refreshToken = user.refreshToken;
      const email = newEmail("link");
      const password = newPassword();

      await app.emailPasswordAuth.registerUser({ email, password });
      await withTimeout(user.linkCredentials(Realm.Credentials.emailPassword(email, password)), "linkCredentials(emailPassword)");
      assert.equal(user.id, userId);
      assert.deepEqual(user.identities.map((i) => i.providerType), ["anon-user", "local-userpass"], JSON.stringify(user.identities));
      const userpassIdentity = user.identities[1].id;
      assert.match(userpassIdentity, HEX24);
      assert.equal(user.refreshToken, refreshToken, "linking must not replace the refresh token");
      assert.equal(user.profile.email, email, JSON.stringify(user.profile));

      const profile = await rawProfile(user.accessToken);
      assert.equal(profile.user_id, userId);
      assert.equal(profile.data?.email, email, JSON.stringify(profile));
      assert.deepEqual(
        profile.identities.map((i) => [i.provider_type, i.id]),
        [["anon-user", anonIdentity], ["local-userpass", userpassIdentity]],
        JSON.stringify(profile),
      );

      await user.logOut();
      assert.equal(user.state, "logged-out");

      // Control: a plain anonymous user's logout is logged as a deletion. Once its
      // line is there, the linked user's logout (earlier) has been logged too.
      const control = await newApp(AUTO_APP).logIn(Realm.Credentials.anonymous());
      const controlId = control.id;
      await control.logOut();
      try {
        await server.waitForStderr(new RegExp(`deleted anonymous user.*${controlId}`), 3000);
      } catch {
        assert.fail(`the control user's logout was not logged as a deletion; stderr:\n${server.stderr()}`);
      }
      const lines = server.stderr().split("\n");
      assert.equal(
        lines.filter((l) => l.includes("deleted anonymous user") && l.includes(userId)).length,
        0,
        `a user with a linked email must not be deleted at logout:\n${lines.filter((l) => l.includes(userId)).join("\n")}`,
      );

      const again = await login(AUTO_APP, email, password);
      assert.equal(again.id, userId);
      assert.deepEqual(
        again.identities.map((i) => [i.providerType, i.id]),
        [["anon-user", anonIdentity], ["local-userpass", userpassIdentity]],
      );
      assert.equal(again.profile.email, email);
    });

    test("raw link response: 200, same user_id and device_id, no refresh_token", T, async () => {
      const anon = await rawAnonLogin(server.url, AUTO_APP);
      assert.equal(anon.status, 200, show(anon));
      const email = newEmail("rawlink");
      const password = newPassword();
      assert.equal((await op(AUTO_APP, "register", { email, password })).status, 201);
      const res = await rawLink(AUTO_APP, email, password, anon.json.access_token);
      assert.equal(res.status, 200, show(res));
      assert.equal(res.json.user_id, anon.json.user_id, show(res));
      assert.equal(res.json.device_id, anon.json.device_id, show(res));
      assert.ok(!("refresh_token" in res.json), show(res));
      // The same credentials again: 409 InvalidParameter, already linked to this user.
      assertError(await rawLink(AUTO_APP, email, password, anon.json.access_token), 409, "InvalidParameter", /already linked to this user/);
    });

    test("an email already linked to another user -> 409 InvalidParameter; identities unchanged", T, async () => {
      const email = newEmail("taken");
      const password = newPassword();
      const appB = newApp(AUTO_APP);
      await appB.emailPasswordAuth.registerUser({ email, password });
      const b = await appB.logIn(Realm.Credentials.emailPassword(email, password));

      const a = await newApp(AUTO_APP).logIn(Realm.Credentials.anonymous());
      const res = await rawLink(AUTO_APP, email, password, a.accessToken);
      assertError(res, 409, "InvalidParameter", /another user/);
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.emailPassword(email, password)),
        { statusCode: 409, errorCode: "InvalidParameter" },
        "linkCredentials(another user's email)",
      );
      assert.deepEqual((await rawProfile(a.accessToken)).identities.map((i) => i.provider_type), ["anon-user"]);
      assert.equal((await loginOk(AUTO_APP, email, password)).user_id, b.id);
    });

    test("a wrong password or unknown email on link -> 401 InvalidPassword (not InvalidSession), rejected within 5 s", T, async () => {
      const email = newEmail("linkpw");
      const password = newPassword();
      await newApp(AUTO_APP).emailPasswordAuth.registerUser({ email, password });
      const a = await newApp(AUTO_APP).logIn(Realm.Credentials.anonymous());

      const raw = await rawLink(AUTO_APP, email, newPassword(), a.accessToken);
      assertError(raw, 401, "InvalidPassword");
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.emailPassword(email, newPassword())),
        { statusCode: 401, errorCode: "InvalidPassword" },
        "linkCredentials(wrong password)",
      );
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.emailPassword(newEmail("ghost"), newPassword())),
        { statusCode: 401, errorCode: "InvalidPassword" },
        "linkCredentials(unknown email)",
      );
      assert.equal(a.state, "active", "a failed link must not log the user out");
      assert.deepEqual((await rawProfile(a.accessToken)).identities.map((i) => i.provider_type), ["anon-user"]);
      // The right password still links.
      await withTimeout(a.linkCredentials(Realm.Credentials.emailPassword(email, password)), "linkCredentials(right password)");
      assert.deepEqual(a.identities.map((i) => i.providerType), ["anon-user", "local-userpass"]);
    });

    test("two anonymous users link the same fresh email concurrently: one 200, one 409", T, async () => {
      for (let round = 0; round < 3; round++) {
        const email = newEmail("race");
        const password = newPassword();
        assert.equal((await op(AUTO_APP, "register", { email, password })).status, 201);
        const [ua, ub] = await Promise.all([rawAnonLogin(server.url, AUTO_APP), rawAnonLogin(server.url, AUTO_APP)]);
        const [ra, rb] = await Promise.all([
          rawLink(AUTO_APP, email, password, ua.json.access_token),
          rawLink(AUTO_APP, email, password, ub.json.access_token),
        ]);
        assert.deepEqual([ra.status, rb.status].sort(), [200, 409], `round ${round}:\n${show(ra)}\n${show(rb)}`);
        const [winner, loserRes] = ra.status === 200 ? [ua.json, rb] : [ub.json, ra];
        assertError(loserRes, 409, "InvalidParameter", /another user/);
        assert.equal((await loginOk(AUTO_APP, email, password)).user_id, winner.user_id, `round ${round}`);
      }
    });
  });

  // 3 ------------------------------------------------------------------------

  describe("3. confirmation by email (SMTP)", () => {
    test("register -> one email with the subject and a link; login refused until confirmed; the token is single-use", T, async () => {
      const email = newEmail("smtp");
      const password = newPassword();
      const app = newApp(SMTP_APP);
      await app.emailPasswordAuth.registerUser({ email, password });

      const mail = await smtp.waitForMail(email);
      await sleep(100);
      assert.equal(smtp.to(email).length, 1, "exactly one email per registration");
      assert.deepEqual(mail.to, [email]);
      assert.equal(mail.from, FROM);
      assert.equal(mail.headers.get("to")?.[0], email);
      assert.equal(mail.headers.get("from")?.[0], FROM);
      assert.equal(mail.subject, CONFIRM_SUBJECT);
      assert.match(mail.headers.get("content-type")?.[0] ?? "", /^text\/plain/);
      const { token, tokenId, link } = tokenFromLink(mail.body, CONFIRM_URL);
      assert.ok(link.startsWith(`${CONFIRM_URL}?token=`), link);

      // Not confirmed yet: the right password -> 401 AuthError; a wrong one -> InvalidPassword.
      assertError(await rawLogin(SMTP_APP, email, password), 401, "AuthError", "confirmation required");
      await assertRealmError(login(SMTP_APP, email, password), { statusCode: 401, errorCode: "AuthError" }, "logIn(pending)");
      assertError(await rawLogin(SMTP_APP, email, newPassword()), 401, "InvalidPassword");
      // A pending email cannot register again.
      assertError(await op(SMTP_APP, "register", { email, password: newPassword() }), 409, "AccountNameInUse", "name already in use");

      // Wrong tokens do not confirm and do not burn the real one.
      const otherToken = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
      for (const body of [
        { token: otherToken, tokenId },
        { token, tokenId: "000000000000000000000000" },
        { token, tokenId: "not-hex" },
        { token },
        { tokenId },
      ]) {
        assertError(await op(SMTP_APP, "confirm", body), 400, "UserpassTokenInvalid", "invalid token data");
      }
      // A confirm token is not a reset token.
      assertError(await op(SMTP_APP, "reset", { token, tokenId, password: newPassword() }), 400, "UserpassTokenInvalid", "invalid token data");

      await app.emailPasswordAuth.confirmUser({ token, tokenId });
      const user = await login(SMTP_APP, email, password);
      assert.match(user.id, HEX24);

      assertError(await op(SMTP_APP, "confirm", { token, tokenId }), 400, "UserpassTokenInvalid", "invalid token data");
      await assertRealmError(
        app.emailPasswordAuth.confirmUser({ token, tokenId }),
        { statusCode: 400, errorCode: "UserpassTokenInvalid", message: /^invalid token data$/ },
        "confirmUser(used token)",
      );

      await assertRealmError(
        app.emailPasswordAuth.resendConfirmationEmail({ email }),
        { statusCode: 400, errorCode: "UserAlreadyConfirmed" },
        "resendConfirmationEmail(confirmed)",
      );
      await assertRealmError(
        app.emailPasswordAuth.resendConfirmationEmail({ email: newEmail("ghost") }),
        { statusCode: 404, errorCode: "UserNotFound" },
        "resendConfirmationEmail(unknown)",
      );
      assert.equal(smtp.to(email).length, 1, "no email for a confirmed user");
      // Still the same user afterwards.
      assert.equal((await loginOk(SMTP_APP, email, password)).user_id, user.id);
    });

    test("the email was sent with SMTP AUTH using the configured credentials", T, async () => {
      assert.ok(smtp.messages.length > 0, "no email received yet");
      for (const m of smtp.messages) assert.equal(m.user, SMTP_USER, `message to ${m.to} was sent without AUTH`);
      assert.ok(smtp.auths.length > 0);
      for (const a of smtp.auths) {
        assert.equal(a.username, SMTP_USER);
        assert.equal(a.password, SMTP_PASSWORD);
      }
    });

    test("resend for a pending user -> a new email whose token works; the old token no longer does", T, async () => {
      const email = newEmail("resend");
      const password = newPassword();
      const app = newApp(SMTP_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const first = tokenFromLink((await smtp.waitForMail(email, 1)).body, CONFIRM_URL);

      await app.emailPasswordAuth.resendConfirmationEmail({ email: email.toUpperCase() });
      const mail2 = await smtp.waitForMail(email, 2);
      assert.equal(mail2.subject, CONFIRM_SUBJECT);
      const second = tokenFromLink(mail2.body, CONFIRM_URL);
      assert.notEqual(second.token, first.token);
      assert.notEqual(second.tokenId, first.tokenId);

      assertError(await op(SMTP_APP, "confirm", first), 400, "UserpassTokenInvalid", "invalid token data");
      assertError(await rawLogin(SMTP_APP, email, password), 401, "AuthError", "confirmation required");
      await app.emailPasswordAuth.confirmUser({ token: second.token, tokenId: second.tokenId });
      await loginOk(SMTP_APP, email, password);
      assert.equal(smtp.to(email).length, 2);
    });

    test("linking a pending email to an anonymous user -> 401 AuthError within 5 s; works once confirmed", T, async () => {
      const email = newEmail("pendlink");
      const password = newPassword();
      const app = newApp(SMTP_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const a = await app.logIn(Realm.Credentials.anonymous());
      await assertRealmError(
        a.linkCredentials(Realm.Credentials.emailPassword(email, password)),
        { statusCode: 401, errorCode: "AuthError" },
        "linkCredentials(pending email)",
      );
      const { token, tokenId } = tokenFromLink((await smtp.waitForMail(email)).body, CONFIRM_URL);
      await app.emailPasswordAuth.confirmUser({ token, tokenId });
      await withTimeout(a.linkCredentials(Realm.Credentials.emailPassword(email, password)), "linkCredentials(confirmed)");
      assert.equal((await loginOk(SMTP_APP, email, password)).user_id, a.id);
    });

    test("retryCustomConfirmation without a confirmation webhook -> 400 InvalidParameter, no email", T, async () => {
      const email = newEmail("nocall");
      await op(SMTP_APP, "register", { email, password: newPassword() });
      await smtp.waitForMail(email);
      await assertRealmError(
        newApp(SMTP_APP).emailPasswordAuth.retryCustomConfirmation({ email }),
        { statusCode: 400, errorCode: "InvalidParameter" },
        "retryCustomConfirmation(no webhook)",
      );
      assert.equal(smtp.to(email).length, 1);
    });
  });

  // 4 ------------------------------------------------------------------------

  describe("4. password reset by email (SMTP)", () => {
    test("sendResetPasswordEmail -> link -> resetPassword: old password 401, new one works; token single-use", T, async () => {
      const email = newEmail("reset");
      const oldPassword = newPassword();
      const newPw = newPassword();
      await registerConfirmedSmtp(email, oldPassword);
      const userId = (await loginOk(SMTP_APP, email, oldPassword)).user_id;
      const before = smtp.to(email).length;

      const app = newApp(SMTP_APP);
      await app.emailPasswordAuth.sendResetPasswordEmail({ email });
      const mail = await smtp.waitForMail(email, before + 1);
      assert.equal(mail.subject, RESET_SUBJECT, `raw Subject: ${mail.subjectRaw}`);
      assert.match(mail.subjectRaw, /^=\?utf-8\?B\?/i, "a non-ASCII subject must be RFC 2047 encoded");
      assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(mail.raw.slice(0, mail.raw.indexOf("\r\n\r\n"))), "header block must be ASCII");
      assert.equal(mail.from, FROM);
      const { token, tokenId, link } = tokenFromLink(mail.body, RESET_URL);
      assert.ok(link.startsWith(`${RESET_URL}&token=`), `the token query must be appended with '&': ${link}`);

      // Sending the email changes nothing yet.
      await loginOk(SMTP_APP, email, oldPassword);

      // A too-short new password is refused and does not burn the token.
      assertError(await op(SMTP_APP, "reset", { token, tokenId, password: secret("Sh0rt") }), 400, "InvalidParameter");

      await app.emailPasswordAuth.resetPassword({ token, tokenId, password: newPw });
      assertError(await rawLogin(SMTP_APP, email, oldPassword), 401, "InvalidPassword");
      assert.equal((await loginOk(SMTP_APP, email, newPw)).user_id, userId);

      const reuse = await op(SMTP_APP, "reset", { token, tokenId, password: newPassword() });
      assertError(reuse, 400, "UserpassTokenInvalid", "invalid token data");
      await assertRealmError(
        app.emailPasswordAuth.resetPassword({ token, tokenId, password: newPassword() }),
        { statusCode: 400, errorCode: "UserpassTokenInvalid" },
        "resetPassword(used token)",
      );
      await loginOk(SMTP_APP, email, newPw);
    });

    test("a bad tokenId -> 400 UserpassTokenInvalid; the real token still works; a newer email replaces it", T, async () => {
      const email = newEmail("badid");
      const password = newPassword();
      await registerConfirmedSmtp(email, password);
      const app = newApp(SMTP_APP);
      const n = smtp.to(email).length;
      await app.emailPasswordAuth.sendResetPasswordEmail({ email });
      const first = tokenFromLink((await smtp.waitForMail(email, n + 1)).body, RESET_URL);

      const attempt = newPassword();
      for (const tokenId of ["000000000000000000000000", "zz", first.tokenId.replace(/.$/, (c) => (c === "0" ? "1" : "0")), ""]) {
        const res = await op(SMTP_APP, "reset", { token: first.token, tokenId, password: attempt });
        assertError(res, 400, "UserpassTokenInvalid", "invalid token data");
      }
      await assertRealmError(
        app.emailPasswordAuth.resetPassword({ token: first.token, tokenId: "000000000000000000000000", password: attempt }),
        { statusCode: 400, errorCode: "UserpassTokenInvalid" },
        "resetPassword(bad tokenId)",
      );
      assertError(await rawLogin(SMTP_APP, email, attempt), 401, "InvalidPassword");

      // A second reset email: its token works, the first one is void.
      await app.emailPasswordAuth.sendResetPasswordEmail({ email });
      const second = tokenFromLink((await smtp.waitForMail(email, n + 2)).body, RESET_URL);
      assert.notEqual(second.token, first.token);
      assertError(await op(SMTP_APP, "reset", { ...first, password: attempt }), 400, "UserpassTokenInvalid");
      const finalPw = newPassword();
      await app.emailPasswordAuth.resetPassword({ token: second.token, tokenId: second.tokenId, password: finalPw });
      await loginOk(SMTP_APP, email, finalPw);
      assertError(await rawLogin(SMTP_APP, email, password), 401, "InvalidPassword");
    });

    test("sendResetPasswordEmail for an unknown email -> 404 UserNotFound, no email", T, async () => {
      const ghost = newEmail("ghost");
      await assertRealmError(
        newApp(SMTP_APP).emailPasswordAuth.sendResetPasswordEmail({ email: ghost }),
        { statusCode: 404, errorCode: "UserNotFound" },
        "sendResetPasswordEmail(unknown)",
      );
      assert.equal(smtp.to(ghost).length, 0);
    });

    test("callResetPasswordFunction without a reset webhook -> 400 InvalidParameter, password unchanged", T, async () => {
      const email = newEmail("nohook");
      const password = newPassword();
      await registerConfirmedSmtp(email, password);
      const attempt = newPassword();
      await assertRealmError(
        newApp(SMTP_APP).emailPasswordAuth.callResetPasswordFunction({ email, password: attempt }),
        { statusCode: 400, errorCode: "InvalidParameter" },
        "callResetPasswordFunction(no webhook)",
      );
      await loginOk(SMTP_APP, email, password);
      assertError(await rawLogin(SMTP_APP, email, attempt), 401, "InvalidPassword");
    });
  });

  // 5 ------------------------------------------------------------------------

  describe("5. confirmation by webhook", () => {
    test("answer 'success' -> register succeeds and login works at once; body and signature verified", T, async () => {
      const email = newEmail("hookok");
      const password = newPassword();
      confirmModes.set(email, "success");
      await newApp(HOOK_APP).emailPasswordAuth.registerUser({ email, password });
      const rec = await hook.waitForEmail(email);
      const body = checkWebhook(rec, { type: "confirm", email, path: "/confirm" });
      assert.equal(hook.forEmail(email).length, 1, "exactly one webhook call per registration");
      const user = await login(HOOK_APP, email, password);
      assert.match(user.id, HEX24);
      // The token was used by the 'success' answer.
      assertError(await op(HOOK_APP, "confirm", { token: body.token, tokenId: body.tokenId }), 400, "UserpassTokenInvalid");
      await assertRealmError(
        newApp(HOOK_APP).emailPasswordAuth.retryCustomConfirmation({ email }),
        { statusCode: 400, errorCode: "UserAlreadyConfirmed" },
        "retryCustomConfirmation(confirmed)",
      );
    });

    test("a tampered body does not match the signature (the check can fail)", T, async () => {
      const rec = hook.requests.find((r) => r.json?.type === "confirm");
      assert.ok(rec, "no confirm webhook seen yet");
      const tampered = rec.raw.replace(/"confirm"/, '"reset"');
      assert.notEqual(tampered, rec.raw);
      const sig = "sha256=" + createHmac("sha256", WEBHOOK_SECRET).update(tampered).digest("hex");
      assert.notEqual(rec.headers["x-guestpass-signature"], sig);
    });

    test("answer 'pending' -> 401 AuthError until confirmUser with the webhook's token", T, async () => {
      const email = newEmail("hookpend");
      const password = newPassword();
      confirmModes.set(email, "pending");
      const app = newApp(HOOK_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const body = checkWebhook(await hook.waitForEmail(email), { type: "confirm", email, path: "/confirm" });
      assertError(await rawLogin(HOOK_APP, email, password), 401, "AuthError", "confirmation required");
      await app.emailPasswordAuth.confirmUser({ token: body.token, tokenId: body.tokenId });
      await loginOk(HOOK_APP, email, password);
    });

    test("answer 'fail' -> register 400 BadRequest 'failed to confirm user \"<email>\"'; no login; can register again", T, async () => {
      const email = newEmail("hookfail");
      const password = newPassword();
      confirmModes.set(email, "fail");
      const app = newApp(HOOK_APP);
      await assertRealmError(
        app.emailPasswordAuth.registerUser({ email, password }),
        { statusCode: 400, errorCode: "BadRequest", message: new RegExp(`^failed to confirm user "${escapeRe(email)}"$`) },
        "registerUser(webhook fail)",
      );
      const body = checkWebhook(await hook.waitForEmail(email), { type: "confirm", email, path: "/confirm" });
      // Refused: whether the refused account is kept (AuthError "confirmation
      // required", as guestpass does) or dropped (InvalidPassword) is not specified.
      const res = await rawLogin(HOOK_APP, email, password);
      assert.equal(res.status, 401, show(res));
      assert.ok(["AuthError", "InvalidPassword"].includes(res.json?.error_code), show(res));
      // The refused token cannot confirm the account.
      assertError(await op(HOOK_APP, "confirm", { token: body.token, tokenId: body.tokenId }), 400, "UserpassTokenInvalid");
      assert.equal((await rawLogin(HOOK_APP, email, password)).status, 401);

      // Raw: the same answer for a second email.
      const email2 = newEmail("hookfail");
      confirmModes.set(email2, "fail");
      assertError(await op(HOOK_APP, "register", { email: email2, password }), 400, "BadRequest", `failed to confirm user "${email2}"`);

      // Once the webhook agrees, the email registers.
      confirmModes.set(email, "success");
      const newPw = newPassword();
      await app.emailPasswordAuth.registerUser({ email, password: newPw });
      await loginOk(HOOK_APP, email, newPw);
      assertError(await rawLogin(HOOK_APP, email, password), 401, "InvalidPassword");
    });

    test("retryCustomConfirmation re-posts to the webhook: new token, old one void", T, async () => {
      const email = newEmail("hookretry");
      const password = newPassword();
      confirmModes.set(email, "pending");
      const app = newApp(HOOK_APP);
      await app.emailPasswordAuth.registerUser({ email, password });
      const first = checkWebhook(await hook.waitForEmail(email, 1), { type: "confirm", email, path: "/confirm" });

      await app.emailPasswordAuth.retryCustomConfirmation({ email });
      const second = checkWebhook(await hook.waitForEmail(email, 2), { type: "confirm", email, path: "/confirm" });
      assert.notEqual(second.token, first.token);
      assert.notEqual(second.tokenId, first.tokenId);
      assertError(await op(HOOK_APP, "confirm", { token: first.token, tokenId: first.tokenId }), 400, "UserpassTokenInvalid");
      assertError(await rawLogin(HOOK_APP, email, password), 401, "AuthError");

      // A retry answered with 'success' confirms at once.
      confirmModes.set(email, "success");
      await app.emailPasswordAuth.retryCustomConfirmation({ email });
      checkWebhook(await hook.waitForEmail(email, 3), { type: "confirm", email, path: "/confirm" });
      await loginOk(HOOK_APP, email, password);
      assertError(await op(HOOK_APP, "confirm", { token: second.token, tokenId: second.tokenId }), 400, "UserpassTokenInvalid");

      await assertRealmError(
        app.emailPasswordAuth.retryCustomConfirmation({ email: newEmail("ghost") }),
        { statusCode: 404, errorCode: "UserNotFound" },
        "retryCustomConfirmation(unknown)",
      );
    });

    test("a webhook that answers 500 or no status -> 503 ServiceUnavailable without internals; retry works", T, async () => {
      for (const answer of [{ status: 500, json: { status: "success" } }, { json: { ok: true } }, { text: "success" }]) {
        const email = newEmail("hook5xx");
        const password = newPassword();
        confirmModes.set(email, answer);
        const res = await op(HOOK_APP, "register", { email, password });
        assertError(res, 503, "ServiceUnavailable");
        for (const leak of [String(hook.port), "127.0.0.1", "webhook", "http://", "/confirm", HOOK_URL_KEY]) {
          assert.ok(!res.text.includes(leak), `the error leaks ${leak}: ${show(res)}`);
        }
        assertError(await rawLogin(HOOK_APP, email, password), 401, "AuthError", "confirmation required");
        confirmModes.set(email, "success");
        await newApp(HOOK_APP).emailPasswordAuth.retryCustomConfirmation({ email });
        await loginOk(HOOK_APP, email, password);
      }
    });
  });

  // 6 ------------------------------------------------------------------------

  describe("6. password reset by webhook", () => {
    /** A confirmed user of the webhook app. */
    async function hookUser(tag) {
      const email = newEmail(tag);
      const password = newPassword();
      confirmModes.set(email, "success");
      await op(HOOK_APP, "register", { email, password });
      const userId = (await loginOk(HOOK_APP, email, password)).user_id;
      return { email, password, userId };
    }

    test("callResetPasswordFunction(..., 'arg1', 2) -> arguments ['arg1', 2]; 'success' -> the new password works", T, async () => {
      const { email, password, userId } = await hookUser("callok");
      resetModes.set(email, "success");
      const newPw = secret("newpass1");
      await newApp(HOOK_APP).emailPasswordAuth.callResetPasswordFunction({ email, password: newPw }, "arg1", 2);
      const rec = await hook.waitForEmail(email, 2); // #1 was the confirmation
      const body = checkWebhook(rec, { type: "reset", email, path: "/reset", args: ["arg1", 2] });
      assert.ok(!rec.raw.includes(newPw), `the webhook must not receive the new password: ${rec.raw}`);
      assert.equal((await loginOk(HOOK_APP, email, newPw)).user_id, userId);
      assertError(await rawLogin(HOOK_APP, email, password), 401, "InvalidPassword");
      // Its token was used.
      assertError(await op(HOOK_APP, "reset", { token: body.token, tokenId: body.tokenId, password: newPassword() }), 400, "UserpassTokenInvalid");
      // No arguments: an empty array.
      const plain = newPassword();
      await newApp(HOOK_APP).emailPasswordAuth.callResetPasswordFunction({ email, password: plain });
      checkWebhook(await hook.waitForEmail(email, 3), { type: "reset", email, path: "/reset", args: [] });
      await loginOk(HOOK_APP, email, plain);
      // Raw canonical EJSON arguments are relaxed before they reach the webhook.
      const ejsonPw = newPassword();
      const raw = await op(HOOK_APP, "reset/call", {
        email,
        password: ejsonPw,
        arguments: ["arg1", { $numberInt: "2" }, { $numberLong: "3" }, { nested: { $numberInt: "4" } }],
      });
      assert.equal(raw.status, 204, show(raw));
      checkWebhook(await hook.waitForEmail(email, 4), { type: "reset", email, path: "/reset", args: ["arg1", 2, 3, { nested: 4 }] });
      await loginOk(HOOK_APP, email, ejsonPw);
    });

    test("'fail' -> 400 BadRequest 'failed to reset password for user \"<email>\"'; the old password still works", T, async () => {
      const { email, password } = await hookUser("callfail");
      resetModes.set(email, "fail");
      const attempt = secret("newpass1");
      await assertRealmError(
        newApp(HOOK_APP).emailPasswordAuth.callResetPasswordFunction({ email, password: attempt }, "arg1", 2),
        { statusCode: 400, errorCode: "BadRequest", message: new RegExp(`^failed to reset password for user "${escapeRe(email)}"$`) },
        "callResetPasswordFunction(fail)",
      );
      const body = checkWebhook(await hook.waitForEmail(email, 2), { type: "reset", email, path: "/reset", args: ["arg1", 2] });
      await loginOk(HOOK_APP, email, password);
      assertError(await rawLogin(HOOK_APP, email, attempt), 401, "InvalidPassword");
      // A refused reset's token does not set the refused password either.
      const res = await op(HOOK_APP, "reset", { token: body.token, tokenId: body.tokenId, password: attempt });
      assert.equal(res.status, 400, `a token refused by the webhook must not reset the password: ${show(res)}`);
      assert.equal(res.json?.error_code, "UserpassTokenInvalid", show(res));
      await loginOk(HOOK_APP, email, password);
    });

    test("'pending' -> the old password works until resetPassword with the webhook's token", T, async () => {
      const { email, password, userId } = await hookUser("callpend");
      resetModes.set(email, "pending");
      const app = newApp(HOOK_APP);
      const pendingPw = secret("newpass1");
      await app.emailPasswordAuth.callResetPasswordFunction({ email, password: pendingPw }, "arg1", 2);
      const body = checkWebhook(await hook.waitForEmail(email, 2), { type: "reset", email, path: "/reset", args: ["arg1", 2] });
      await loginOk(HOOK_APP, email, password);
      assertError(await rawLogin(HOOK_APP, email, pendingPw), 401, "InvalidPassword");

      const finalPw = newPassword();
      await app.emailPasswordAuth.resetPassword({ token: body.token, tokenId: body.tokenId, password: finalPw });
      assert.equal((await loginOk(HOOK_APP, email, finalPw)).user_id, userId);
      assertError(await rawLogin(HOOK_APP, email, password), 401, "InvalidPassword");
      assertError(await rawLogin(HOOK_APP, email, pendingPw), 401, "InvalidPassword");
      assertError(await op(HOOK_APP, "reset", { token: body.token, tokenId: body.tokenId, password: newPassword() }), 400, "UserpassTokenInvalid");
    });

    test("callResetPasswordFunction: unknown email -> 404 UserNotFound; short password -> 400; no webhook call", T, async () => {
      const ghost = newEmail("ghost");
      await assertRealmError(
        newApp(HOOK_APP).emailPasswordAuth.callResetPasswordFunction({ email: ghost, password: newPassword() }),
        { statusCode: 404, errorCode: "UserNotFound" },
        "callResetPasswordFunction(unknown)",
      );
      const { email } = await hookUser("callshort");
      assertError(await op(HOOK_APP, "reset/call", { email, password: secret("Sh0rT"), arguments: [] }), 400, "InvalidParameter");
      assert.equal(hook.forEmail(ghost).length, 0);
      assert.equal(hook.forEmail(email).length, 1, "only the confirmation was posted");
    });

    test("sendResetPasswordEmail without SMTP posts {type: reset} (no arguments) to the reset webhook; its token resets", T, async () => {
      const { email, password } = await hookUser("hooksend");
      resetModes.set(email, "pending");
      await newApp(HOOK_APP).emailPasswordAuth.sendResetPasswordEmail({ email });
      const body = checkWebhook(await hook.waitForEmail(email, 2), { type: "reset", email, path: "/reset" });
      await loginOk(HOOK_APP, email, password);
      const newPw = newPassword();
      await newApp(HOOK_APP).emailPasswordAuth.resetPassword({ token: body.token, tokenId: body.tokenId, password: newPw });
      await loginOk(HOOK_APP, email, newPw);
    });
  });

  // 7 ------------------------------------------------------------------------

  describe("7. delivery down", () => {
    test("SMTP server down: register -> 503 ServiceUnavailable without internals; the account is pending", T, async () => {
      const email = newEmail("down");
      const password = newPassword();
      const res = await op(DOWN_APP, "register", { email, password });
      assertError(res, 503, "ServiceUnavailable");
      for (const leak of ["127.0.0.1", String(downPort), "smtp", "curl", "onnect", "refused", "Couldn't", "email could not"]) {
        assert.ok(!res.text.includes(leak), `the error leaks "${leak}": ${show(res)}`);
      }
      assertError(await rawLogin(DOWN_APP, email, password), 401, "AuthError", "confirmation required");
      await assertRealmError(
        newApp(DOWN_APP).emailPasswordAuth.registerUser({ email: newEmail("down"), password }),
        { statusCode: 503, errorCode: "ServiceUnavailable" },
        "registerUser(SMTP down)",
      );
      // Resending and reset emails fail the same way.
      assertError(await op(DOWN_APP, "confirm/send", { email }), 503, "ServiceUnavailable");
      assertError(await op(DOWN_APP, "reset/send", { email }), 503, "ServiceUnavailable");
    });

    test("confirmation webhook down: register -> 503 ServiceUnavailable without the URL", T, async () => {
      const email = newEmail("hookdown");
      const password = newPassword();
      const res = await op(HOOKDOWN_APP, "register", { email, password });
      assertError(res, 503, "ServiceUnavailable");
      for (const leak of ["127.0.0.1", "http://", "/confirm", "webhook", "curl", HOOKDOWN_URL_PASSWORD]) {
        assert.ok(!res.text.includes(leak), `the error leaks "${leak}": ${show(res)}`);
      }
      assertError(await rawLogin(HOOKDOWN_APP, email, password), 401, "AuthError", "confirmation required");
    });

    test("a config that cannot confirm anyone stops the server from starting", T, async () => {
      const cases = [
        [{ autoConfirm: false }, /autoConfirm/],
        [{ autoConfirm: false, smtp: { url: "smtp://127.0.0.1:25", from: FROM } }, /autoConfirm/], // smtp without emailConfirmationUrl
        [{ autoConfirm: true, smtp: { url: "smtp://127.0.0.1:25", from: FROM, starttsl: true } }, /starttsl/],
        [{ autoConfirm: true, confirmationWebhookUrl: "ftp://example.test/hook" }, /confirmationWebhookUrl/],
      ];
      for (const [config, pattern] of cases) {
        const dir = await makeAppDir({
          appId: "badcfg-abcde",
          name: "badcfg",
          providers: { "local-userpass": { name: "local-userpass", type: "local-userpass", disabled: false, config } },
        });
        let err;
        try {
          const s = await startServer({ appDirs: [dir] });
          await s.stop();
        } catch (e) {
          err = e;
        }
        assert.ok(err, `the server started with ${JSON.stringify(config)}`);
        assert.match(err.message, /exited before listening/, err.message);
        assert.match(err.message, pattern, err.message);
      }
    });
  });

  // 8 ------------------------------------------------------------------------

  test("8. no password, token or secret appears in the server's log", T, async () => {
    // Let in-flight log lines land.
    await sleep(200);
    const log = server.stderr() + server.stdout();
    assert.ok(log.length > 0, "empty log");
    assert.ok(secrets.size > 40, `too few secrets collected (${secrets.size}): did the earlier tests run?`);
    const leaked = [...secrets].filter((s) => s.length >= 5 && log.includes(s));
    assert.deepEqual(leaked, [], `secrets found in the server log:\n${leaked.join("\n")}`);
  });

  test("8b. credentials inside webhook URLs do not appear in the server's log", T, async () => {
    const log = server.stderr() + server.stdout();
    const lines = log.split("\n").filter((l) => urlSecrets.some((s) => l.includes(s)));
    assert.deepEqual(lines, [], `webhook URL credentials found in the server log:\n${lines.join("\n")}`);
  });
});
