// provider_settings.js: the settings forms of providers that have settings.
// Each checks its fields before anything is saved and explains a problem
// next to the field; a refusal by the server that names a field goes there
// too. Email/password has its form; custom JWT's is not built yet, and its
// page says so instead of showing a form that does nothing.
import { h, uid } from "../dom.js";

const URL_RULE = /^https?:\/\/[^\s/$.?#][^\s]*$/i;

/**
 * A settings form for `type` with the provider's current `config`, or null
 * when the type has no settings (anon-user, api-key). The form object:
 * element, dirty(), values() ({config} to merge into the provider),
 * validate() (number of problems, shown at the fields), focusFirstError(),
 * onInput(fn), saved(provider), showServerError(message) (true when it named a field).
 */
export function settingsFormFor(type, provider) {
  if (type === "local-userpass") return userpassForm(provider);
  if (type === "custom-token") return notYet();
  return null;
}

function notYet() {
  const element = h(
    "section",
    { class: "card" },
    h("h2", { class: "card-title" }, "Settings"),
    h("p", {}, "Editing this provider's settings is not available in the web UI yet."),
    h("p", { class: "muted" }, "Change them with `guestpass pull` and `guestpass push`, or the Admin API (PATCH …/auth_providers/{id})."),
  );
  return {
    element,
    dirty: () => false,
    values: () => null,
    validate: () => 0,
    focusFirstError: () => {},
    onInput: () => {},
    saved: () => {},
    showServerError: () => false,
  };
}

// A labelled text input with its hint and its error line.
function textField({ key, label, hint, value }) {
  const id = uid(key);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = h("input", { id, name: key, type: "url", value: value || "", autocomplete: "off", spellcheck: "false", "aria-describedby": `${hintId} ${errorId}` });
  const error = h("p", { class: "field-error", id: errorId });
  const element = h("div", { class: "field" }, h("label", { for: id }, label), input, h("p", { class: "hint", id: hintId }, hint), error);
  return {
    key,
    input,
    element,
    value: () => input.value.trim(),
    setError(text) {
      error.textContent = text;
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

function userpassForm(provider) {
  let config = { ...((provider && provider.config) || {}) };
  const autoId = uid("autoConfirm");
  const autoErrorId = `${autoId}-error`;
  const auto = h("input", { id: autoId, type: "checkbox", name: "autoConfirm", "aria-describedby": autoErrorId });
  const autoError = h("p", { class: "field-error", id: autoErrorId });
  const fields = [
    textField({ key: "emailConfirmationUrl", label: "Email confirmation URL", hint: "The page of your app that confirms a new user (the email links to it with token and tokenId). Needs SMTP settings." }),
    textField({ key: "confirmationWebhookUrl", label: "Confirmation webhook URL", hint: "Or: guestpass posts each new user's confirmation token to this URL." }),
    textField({ key: "resetPasswordUrl", label: "Password reset URL", hint: "The page of your app where a user sets a new password." }),
    textField({ key: "resetWebhookUrl", label: "Reset webhook URL", hint: "Or: guestpass posts each password reset token to this URL." }),
  ];
  const listeners = [];
  let saved = snapshot();

  function fill() {
    auto.checked = Boolean(config.autoConfirm);
    for (const f of fields) f.input.value = config[f.key] || "";
  }
  function snapshot() {
    fill();
    return JSON.stringify(current());
  }
  function current() {
    const out = { autoConfirm: auto.checked };
    for (const f of fields) out[f.key] = f.value();
    return out;
  }
  function setAutoError(text) {
    autoError.textContent = text;
    if (text) auto.setAttribute("aria-invalid", "true");
    else auto.removeAttribute("aria-invalid");
  }
  function clearErrors() {
    setAutoError("");
    for (const f of fields) f.setError("");
  }

  const element = h(
    "section",
    { class: "card" },
    h("h2", { class: "card-title" }, "Settings"),
    h(
      "div",
      { class: "field" },
      h("div", { class: "checkbox-row" }, auto, h("label", { for: autoId }, "Automatically confirm users")),
      h("p", { class: "hint" }, "When on, new users can log in at once, without confirming their email address."),
      autoError,
    ),
    fields.map((f) => f.element),
    h("p", { class: "muted" }, "SMTP settings and the webhook secret are kept as they are; change them with `guestpass pull` and `guestpass push`."),
  );
  for (const el of [auto, ...fields.map((f) => f.input)]) {
    el.addEventListener("input", () => listeners.forEach((fn) => fn()));
    el.addEventListener("change", () => listeners.forEach((fn) => fn()));
  }

  return {
    element,
    dirty: () => JSON.stringify(current()) !== saved,
    values() {
      const next = { ...config, ...current() };
      for (const f of fields) if (!next[f.key]) delete next[f.key];
      return { config: next };
    },
    validate() {
      clearErrors();
      let problems = 0;
      for (const f of fields) {
        if (f.value() && !URL_RULE.test(f.value())) {
          f.setError("Enter a full http:// or https:// URL.");
          problems += 1;
        }
      }
      const values = current();
      const canConfirm = values.confirmationWebhookUrl || (values.emailConfirmationUrl && config.smtp);
      if (!values.autoConfirm && !canConfirm) {
        setAutoError(
          config.smtp
            ? "New users must confirm: give an email confirmation URL or a confirmation webhook URL, or confirm users automatically."
            : "New users must confirm: give a confirmation webhook URL (email needs SMTP settings, set with the CLI), or confirm users automatically.",
        );
        problems += 1;
      }
      return problems;
    },
    focusFirstError() {
      const bad = element.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    },
    onInput: (fn) => listeners.push(fn),
    saved(updated) {
      config = { ...((updated && updated.config) || {}) };
      saved = snapshot();
    },
    showServerError(message) {
      for (const f of fields) {
        if (message.includes(f.key)) {
          f.setError(message);
          return true;
        }
      }
      if (message.includes("autoConfirm")) {
        setAutoError(message);
        return true;
      }
      return false;
    },
  };
}
