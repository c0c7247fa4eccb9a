// settings.js: App Settings: the app's guestpass.json settings (session
// lifetime, the anonymous session policy and inactivity period, sign-up
// limits, the anonymous-user cap) through GET/PATCH .../settings, checked
// with guestpass.json's bounds before saving and saved like a provider
// (draft, or at once with Disable Drafts); and the app's secrets
// (.../secrets: values go in, never come out).
import { appPath, call } from "../api.js";
import { confirmDialog, openDialog } from "../dialog.js";
import { savedText, saveThroughDraft } from "../draft.js";
import { h, replace, statusLine, uid } from "../dom.js";
import { actionRunner, dataTable, loadList, showEmpty } from "../list.js";
import { field, focusFirstInvalid, input, select } from "../form.js";

const MIN_TTL = 1800; // 30 minutes
const MAX_TTL = 5 * 365 * 24 * 3600; // 5 years
const MAX_DAYS = 3650;
const MAX_RATE = 1e9;
const UNITS = [
  ["86400", "days"],
  ["3600", "hours"],
  ["60", "minutes"],
  ["1", "seconds"],
];
const SECRET_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `rest`: "" (the settings) or "secrets". */
export async function renderSettings(main, ctx, rest) {
  if (rest === "secrets") return renderSecrets(main, ctx);
  return renderSettingsForm(main, ctx);
}

function subNav(ctx, current) {
  const base = `#/apps/${encodeURIComponent(ctx.app._id)}/settings`;
  return h(
    "nav",
    { class: "subnav", "aria-label": "App settings sections" },
    h(
      "ul",
      {},
      h("li", {}, h("a", { href: base, "aria-current": current === "" ? "page" : false }, "Sessions and sign-ups")),
      h("li", {}, h("a", { href: `${base}/secrets`, "aria-current": current === "secrets" ? "page" : false }, "Secrets")),
    ),
  );
}

// ---- Settings ------------------------------------------------------------------

function bestUnit(seconds) {
  for (const [factor] of UNITS) if (seconds % Number(factor) === 0) return factor;
  return "1";
}

async function renderSettingsForm(main, ctx) {
  const appId = ctx.app._id;
  const body = h("div", {}, h("p", { class: "muted" }, "Loading the settings…"));
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "App Settings")),
    subNav(ctx, ""),
    body,
  );
  let settings;
  try {
    settings = await call("GET", appPath(appId, "/settings"));
  } catch (err) {
    replace(body, statusLine(`Could not load the settings: ${err.message}`, "error"));
    return;
  }

  const ttl = field({
    label: "Refresh token expiration",
    key: "ttl",
    control: input({ type: "number", name: "ttl", min: "1", step: "1", inputmode: "numeric" }),
    hint: "How long a session lasts without logging in again: 30 minutes to 5 years. Access tokens always last 30 minutes.",
  });
  const ttlUnit = select(UNITS, "86400", { id: uid("ttl-unit"), "aria-label": "Refresh token expiration unit" });
  const ttlRow = h("div", { class: "field-row narrow-row" });
  ttl.control.before(ttlRow);
  ttlRow.append(ttl.control, ttlUnit);

  const policyName = uid("session-policy");
  const whileActive = h("input", { type: "radio", name: policyName, id: `${policyName}-active`, value: "while_active" });
  const fixed = h("input", { type: "radio", name: policyName, id: `${policyName}-fixed`, value: "fixed" });
  const policyError = h("p", { class: "field-error", id: `${policyName}-error` });
  const policy = h(
    "fieldset",
    { class: "field fieldset", "aria-describedby": `${policyName}-error` },
    h("legend", {}, "Anonymous session policy"),
    h("div", { class: "checkbox-row" }, whileActive, h("label", { for: whileActive.id }, "Last while the user is active")),
    h("p", { class: "hint indent" }, "An anonymous session does not expire; the inactivity period below ends the user (App Services' behaviour)."),
    h("div", { class: "checkbox-row" }, fixed, h("label", { for: fixed.id }, "Expire like other sessions")),
    h("p", { class: "hint indent" }, "An anonymous session ends after the refresh token expiration above."),
    policyError,
  );

  const deleteInactive = field({
    label: "Delete inactive anonymous users",
    key: "delete-inactive",
    control: h("input", { type: "checkbox", name: "deleteInactive" }),
    inline: true,
  });
  const days = field({
    label: "Inactivity period for anonymous users (days)",
    key: "inactive-days",
    control: input({ type: "number", name: "inactiveDays", min: "1", max: String(MAX_DAYS), step: "1", inputmode: "numeric" }),
    hint: "Anonymous users with no login, refresh or request for this many days are deleted: 1 to 3650.",
  });
  const perHour = field({
    label: "Anonymous sign-ups per hour",
    key: "signups-per-hour",
    control: input({ type: "number", name: "signupsPerHour", min: "0", step: "any" }),
    hint: "Per client address. Empty: the server's default (--signups-per-hour); 0: unlimited.",
  });
  const burst = field({
    label: "Anonymous sign-up burst",
    key: "signup-burst",
    control: input({ type: "number", name: "signupBurst", min: "0", step: "any" }),
    hint: "Sign-ups a client address may make at once. Empty: the server's default (--signup-burst).",
  });
  const cap = field({
    label: "Anonymous-user cap",
    key: "max-users",
    control: input({ type: "number", name: "maxUsers", min: "0", step: "1", inputmode: "numeric" }),
    hint: "The most anonymous users the app may have at once; 0: no cap. Logins beyond it are refused.",
  });

  // The server's field names (its refusals name them), mapped to the form's.
  const serverFields = [
    ["refresh_token_expiration_seconds", ttl],
    ["anonymous.delete_after_inactive_days", days],
    ["anonymous.signups_per_hour", perHour],
    ["anonymous.signup_burst", burst],
    ["anonymous.max_users", cap],
  ];

  function fill(s) {
    const seconds = Number(s.refresh_token_expiration_seconds) || 0;
    const unit = bestUnit(seconds);
    ttlUnit.value = unit;
    ttl.control.value = String(seconds / Number(unit));
    const anon = s.anonymous || {};
    (anon.session_expiry === "fixed" ? fixed : whileActive).checked = true;
    const never = anon.delete_after_inactive_days === "never";
    deleteInactive.control.checked = !never;
    days.control.value = never ? "90" : String(anon.delete_after_inactive_days ?? 90);
    days.control.disabled = never;
    perHour.control.value = anon.signups_per_hour === undefined || anon.signups_per_hour === null ? "" : String(anon.signups_per_hour);
    burst.control.value = anon.signup_burst === undefined || anon.signup_burst === null ? "" : String(anon.signup_burst);
    cap.control.value = String(anon.max_users ?? 0);
  }

  // The form as the PATCH body; numbers as typed (validate() checks them).
  function values() {
    const number = (text) => (text.trim() === "" ? null : Number(text));
    return {
      refresh_token_expiration_seconds: Math.round(Number(ttl.control.value) * Number(ttlUnit.value)),
      anonymous: {
        session_expiry: fixed.checked ? "fixed" : "while_active",
        delete_after_inactive_days: deleteInactive.control.checked ? Number(days.control.value) : "never",
        signups_per_hour: number(perHour.control.value),
        signup_burst: number(burst.control.value),
        max_users: Number(cap.control.value),
      },
    };
  }

  function clearErrors() {
    for (const [, f] of serverFields) f.setError("");
    policyError.textContent = "";
  }

  function validate() {
    clearErrors();
    const amount = ttl.control.value.trim();
    const seconds = Number(amount) * Number(ttlUnit.value);
    if (amount === "" || !Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds <= 0) {
      ttl.setError("Enter a whole number of seconds, minutes, hours or days.");
    } else if (seconds < MIN_TTL || seconds > MAX_TTL) {
      ttl.setError("Must be from 30 minutes to 5 years (1,800 to 157,680,000 seconds).");
    }
    if (deleteInactive.control.checked) {
      const d = Number(days.control.value);
      if (days.control.value.trim() === "" || !Number.isInteger(d) || d < 1 || d > MAX_DAYS)
        days.setError("Enter a whole number of days from 1 to 3650.");
    }
    for (const f of [perHour, burst]) {
      const text = f.control.value.trim();
      if (text === "") continue;
      const n = Number(text);
      if (!Number.isFinite(n) || n < 0 || n > MAX_RATE) f.setError("Enter a number from 0 to 1,000,000,000, or leave it empty for the server's default.");
    }
    const c = Number(cap.control.value);
    if (cap.control.value.trim() === "" || !Number.isInteger(c) || c < 0) cap.setError("Enter a whole number, 0 or more (0: no cap).");
    return body.querySelectorAll('[aria-invalid="true"]').length;
  }

  fill(settings);
  let saved = JSON.stringify(values());
  const message = h("div", { class: "form-message", "aria-live": "polite" });
  const save = h("button", { type: "button", class: "button primary", disabled: true }, "Save");
  const refreshState = () => {
    days.control.disabled = !deleteInactive.control.checked;
    save.disabled = JSON.stringify(values()) === saved;
  };

  const form = h(
    "form",
    { class: "settings-form", novalidate: true },
    h(
      "section",
      { class: "card" },
      h("h2", { class: "card-title" }, "Sessions"),
      ttl.element,
      policy,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", { class: "card-title" }, "Anonymous users"),
      deleteInactive.element,
      days.element,
      h("div", { class: "field-grid" }, perHour.element, burst.element),
      cap.element,
    ),
  );
  form.addEventListener("input", refreshState);
  form.addEventListener("change", refreshState);
  form.addEventListener("submit", (event) => event.preventDefault());

  save.addEventListener("click", async () => {
    if (validate() > 0) {
      replace(message, statusLine("Fix the settings marked above before saving.", "error"));
      focusFirstInvalid(body);
      return;
    }
    save.disabled = true;
    replace(message, statusLine("Saving…"));
    try {
      const patch = values();
      const { deployed } = await saveThroughDraft(appId, () => call("PATCH", appPath(appId, "/settings"), patch));
      settings = await call("GET", appPath(appId, "/settings"));
      fill(settings);
      saved = JSON.stringify(values());
      replace(message, statusLine(savedText(deployed), "success"));
      await ctx.refreshBanner();
    } catch (err) {
      const named = serverFields.find(([key]) => err.message.includes(`'${key}'`));
      if (named) {
        named[1].setError(err.message);
        replace(message, statusLine("The server refused the settings: see the field marked above.", "error"));
        named[1].control.focus();
      } else {
        replace(message, statusLine(`Could not save: ${err.message}`, "error"));
      }
    }
    refreshState();
  });

  replace(
    body,
    h("p", { class: "muted" }, "The app's guestpass.json settings. Save puts them in the app's draft, like a provider change; clients see them once deployed."),
    form,
    h("div", { class: "action-bar" }, message, save),
  );
}

// ---- Secrets -------------------------------------------------------------------

// A secret's value: a text box, since values may span lines (an RS256 key's
// PEM), which a password input would flatten. It is cleared once sent.
function secretValueBox() {
  return h("textarea", { name: "value", rows: "3", spellcheck: "false", autocomplete: "off", autocapitalize: "off", class: "secret-value" });
}

async function renderSecrets(main, ctx) {
  const appId = ctx.app._id;
  const message = h("div", { class: "page-message-slot", "aria-live": "polite" });
  const name = field({ label: "Secret name", key: "secret-name", control: input({ name: "name", maxlength: "64" }), hint: "1 to 64 letters, digits, _ or -, starting with a letter or digit." });
  const value = field({
    label: "Value",
    key: "secret-value",
    control: secretValueBox(),
    hint: "Several lines are kept as typed (a PEM public key). Stored sealed; it is never shown again after you create it.",
  });
  const create = h("button", { type: "submit", class: "button primary" }, "Create Secret");
  const form = h("form", { class: "field-grid", novalidate: true }, name.element, value.element, h("div", { class: "form-end" }, create));
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading secrets…"));
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "App Settings")),
    subNav(ctx, "secrets"),
    h("p", { class: "muted" }, "Secrets hold values the app's configuration names, such as Custom JWT signing keys. Values go in and never come out."),
    h("section", { class: "card" }, h("h2", { class: "card-title" }, "Create a secret"), form),
    message,
    listSlot,
  );

  const run = actionRunner(message, () => load());

  async function load() {
    const secrets = await loadList(listSlot, "secrets", () => call("GET", appPath(appId, "/secrets")));
    if (!secrets) return;
    if (secrets.length === 0) return showEmpty(listSlot, "This app has no secrets.");
    const rows = secrets.map((s) => {
      const path = appPath(appId, `/secrets/${encodeURIComponent(s._id)}`);
      const update = h("button", { type: "button", class: "button small", "aria-label": `Change the value of ${s.name}` }, "Change Value");
      const remove = h("button", { type: "button", class: "button small danger-outline", "aria-label": `Delete secret ${s.name}` }, "Delete");
      update.addEventListener("click", () => changeValue(s, path));
      remove.addEventListener("click", async () => {
        const ok = await confirmDialog({
          title: `Delete secret ${s.name}?`,
          message: `The secret ${s.name} and its value are deleted. A configuration that names it no longer deploys until it exists again.`,
          confirmLabel: "Delete Secret",
        });
        if (ok) await run(() => call("DELETE", path), `Deleted the secret ${s.name}.`);
      });
      return h("tr", {}, h("td", {}, h("code", {}, s.name)), h("td", { class: "actions" }, update, " ", remove));
    });
    replace(listSlot, dataTable({ caption: "Secrets", columns: ["Name", null], rows }));
  }

  function changeValue(secret, path) {
    const formId = uid("secret-value");
    const next = field({ label: "New value", key: "secret-new-value", control: secretValueBox() });
    const outcome = h("div", { "aria-live": "polite" });
    const cancel = h("button", { type: "button", class: "button" }, "Cancel");
    const saveValue = h("button", { type: "submit", class: "button primary", form: formId }, "Save Value");
    const dialogForm = h("form", { id: formId, novalidate: true }, next.element, outcome);
    const d = openDialog({ title: `Change the value of ${secret.name}`, body: dialogForm, actions: [cancel, saveValue] });
    cancel.addEventListener("click", () => d.close());
    dialogForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const bytes = new TextEncoder().encode(next.control.value).length;
      if (bytes < 1 || bytes > 4096) {
        next.setError("A value is 1 to 4096 bytes.");
        next.control.focus();
        return;
      }
      try {
        await call("PUT", path, { name: secret.name, value: next.control.value });
      } catch (err) {
        replace(outcome, statusLine(err.message, "error"));
        return;
      }
      d.close();
      replace(message, statusLine(`Changed the value of ${secret.name}.`, "success"));
    });
    next.control.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    name.setError("");
    value.setError("");
    const secretName = name.control.value.trim();
    if (!SECRET_NAME_RULE.test(secretName)) name.setError("1 to 64 letters, digits, _ or -, starting with a letter or digit.");
    const bytes = new TextEncoder().encode(value.control.value).length;
    if (bytes < 1 || bytes > 4096) value.setError("A value is 1 to 4096 bytes.");
    if (focusFirstInvalid(form)) return;
    create.disabled = true;
    try {
      await call("POST", appPath(appId, "/secrets"), { name: secretName, value: value.control.value });
      name.control.value = "";
      value.control.value = "";
      replace(message, statusLine(`Created the secret ${secretName}.`, "success"));
      await load();
    } catch (err) {
      name.setError(err.message);
      name.control.focus();
    } finally {
      create.disabled = false;
    }
  });
  await load();
}
