// provider_settings.js: the settings forms of providers that have settings
// (Email/Password, Custom JWT). Each checks its fields before anything is
// saved and explains a problem next to the field; a refusal by the server
// that names a field goes there too.
import { h, uid } from "../dom.js";
import { field, input, select } from "../form.js";

const URL_RULE = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
// A secret's name (the Admin API's rule for POST .../secrets).
const SECRET_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * A settings form for `type` with the provider's current `config`, or null
 * when the type has no settings (anon-user, api-key). The form object:
 * element, dirty(), values() ({config[, secret_config, metadata_fields]} to
 * merge into the provider), validate() (number of problems, shown at the fields),
 * focusFirstError(), onInput(fn), saved(provider), showServerError(message)
 * (true when it named a field). `ctx` gives the app (for links).
 */
export function settingsFormFor(type, provider, ctx) {
  if (type === "local-userpass") return userpassForm(provider);
  if (type === "custom-token") return customTokenForm(provider, ctx);
  return null;
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

// ---- Custom JWT ----------------------------------------------------------------

/** Lines of a textarea, trimmed, empty ones dropped. */
function lines(text) {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A claim path's segments split at unescaped dots (as the server does); null if one is empty. */
function claimPathOk(path) {
  const segments = [];
  let current = "";
  for (let i = 0; i < path.length; i += 1) {
    if (path[i] === "\\" && i + 1 < path.length) {
      current += path[i + 1];
      i += 1;
    } else if (path[i] === ".") {
      segments.push(current);
      current = "";
    } else {
      current += path[i];
    }
  }
  segments.push(current);
  return path.length > 0 && segments.every((s) => s.length > 0);
}

// The signing keys' secret names: secret_config.signingKeys (App Services'
// shape); the keys themselves never reach the browser.
function keyNames(provider) {
  const names = provider && provider.secret_config && provider.secret_config.signingKeys;
  return Array.isArray(names) ? names.filter((n) => typeof n === "string") : [];
}

function customTokenForm(provider, ctx) {
  let config = { ...((provider && provider.config) || {}) };
  let secretConfig = { ...((provider && provider.secret_config) || {}) };
  let metadata = Array.isArray(provider && provider.metadata_fields) ? provider.metadata_fields.map((m) => ({ ...m })) : [];
  const listeners = [];
  const changed = () => listeners.forEach((fn) => fn());

  const algorithm = field({ label: "Signing algorithm", key: "signingAlgorithm", control: select([["HS256", "HS256 (a shared secret)"], ["RS256", "RS256 (RSA public keys)"]]) });
  const useJwk = field({
    label: "Use JWK URI",
    key: "useJWKURI",
    control: h("input", { type: "checkbox", name: "useJWKURI" }),
    inline: true,
    hint: "RS256 only: fetch the public keys from a JSON Web Key Set URL instead of listing them.",
  });
  const jwkUri = field({ label: "JWK URI", key: "jwkURI", control: input({ type: "url", name: "jwkURI" }), hint: "The https:// URL of the issuer's JWK Set." });
  const secretsHref = ctx ? `#/apps/${encodeURIComponent(ctx.app._id)}/settings/secrets` : "";
  const keys = field({
    label: "Signing keys (secret names)",
    key: "signingKeys",
    control: h("textarea", { name: "signingKeys", rows: "3", spellcheck: "false", autocomplete: "off" }),
    hint: "One secret name per line: the names of this app's secrets that hold the keys (HS256: the shared secret; RS256: a PEM public key). Make the secrets on App Settings → Secrets first.",
  });
  const keysLink = secretsHref ? h("p", { class: "hint" }, h("a", { href: secretsHref }, "Open the app's secrets")) : null;
  const audience = field({
    label: "Audience",
    key: "audience",
    control: h("textarea", { name: "audience", rows: "2", spellcheck: "false", autocomplete: "off" }),
    hint: "One per line: the token's aud must name them. Empty: aud is not checked.",
  });
  const anyAudience = field({
    label: "Require any audience",
    key: "requireAnyAudience",
    control: h("input", { type: "checkbox", name: "requireAnyAudience" }),
    inline: true,
    hint: "When on, one of the audiences above suffices; when off, the token must name them all.",
  });
  const issuer = field({ label: "Issuer", key: "issuer", control: input({ name: "issuer" }), hint: "Optional: the token's iss must equal it (guestpass's own setting)." });

  const metadataRows = h("tbody", {});
  const metadataError = h("p", { class: "field-error", role: "alert" });
  const addField = h("button", { type: "button", class: "button small" }, "Add Metadata Field");
  let rows = [];

  function drawMetadata() {
    rows = metadata.map((m, i) => {
      const n = i + 1;
      const path = input({ value: m.name || "", "aria-label": `Claim path of metadata field ${n}` });
      const name = input({ value: m.field_name || "", "aria-label": `Field name of metadata field ${n}`, maxlength: "63" });
      const required = h("input", { type: "checkbox", "aria-label": `Metadata field ${n} required`, checked: Boolean(m.required) });
      const error = h("p", { class: "field-error", id: uid("metadata-error") });
      path.setAttribute("aria-describedby", error.id);
      const remove = h("button", { type: "button", class: "button small danger-outline", "aria-label": `Remove metadata field ${n}` }, "Remove");
      remove.addEventListener("click", () => {
        read();
        metadata.splice(i, 1);
        drawMetadata();
        changed();
        addField.focus();
      });
      return {
        path,
        name,
        required,
        setError(text) {
          error.textContent = text;
          if (text) path.setAttribute("aria-invalid", "true");
          else path.removeAttribute("aria-invalid");
        },
        element: h("tr", {}, h("td", {}, path, error), h("td", {}, name), h("td", { class: "center" }, required), h("td", { class: "actions" }, remove)),
      };
    });
    metadataRows.replaceChildren(...rows.map((r) => r.element));
    metadataTable.hidden = rows.length === 0;
  }
  // The rows' inputs back into `metadata`.
  function read() {
    metadata = rows.map((r) => {
      const out = { required: r.required.checked, name: r.path.value.trim() };
      if (r.name.value.trim()) out.field_name = r.name.value.trim();
      return out;
    });
  }
  const metadataTable = h(
    "table",
    { class: "table keep-columns metadata-table" },
    h("caption", { class: "visually-hidden" }, "Metadata fields"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Claim path"), h("th", { scope: "col" }, "Field name"), h("th", { scope: "col" }, "Required"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
    metadataRows,
  );
  addField.addEventListener("click", () => {
    read();
    metadata.push({ required: false, name: "" });
    drawMetadata();
    changed();
    rows[rows.length - 1].path.focus();
  });

  function fill() {
    algorithm.control.value = config.signingAlgorithm === "RS256" ? "RS256" : "HS256";
    useJwk.control.checked = config.useJWKURI === true || config.useJWKURI === "true";
    jwkUri.control.value = config.jwkURI || "";
    keys.control.value = keyNames({ secret_config: secretConfig }).join("\n");
    const aud = Array.isArray(config.audience) ? config.audience : config.audience ? [config.audience] : [];
    audience.control.value = aud.join("\n");
    anyAudience.control.checked = config.requireAnyAudience === true || config.requireAnyAudience === "true";
    issuer.control.value = config.issuer || "";
    drawMetadata();
    syncJwk();
  }
  function syncJwk() {
    const rs = algorithm.control.value === "RS256";
    useJwk.control.disabled = !rs;
    if (!rs) useJwk.control.checked = false;
    jwkUri.control.disabled = !useJwk.control.checked;
    keys.control.disabled = useJwk.control.checked;
  }
  function current() {
    read();
    const out = {
      signingAlgorithm: algorithm.control.value,
      useJWKURI: useJwk.control.checked,
      jwkURI: useJwk.control.checked ? jwkUri.control.value.trim() : "",
      signingKeys: useJwk.control.checked ? [] : lines(keys.control.value),
      audience: lines(audience.control.value),
      requireAnyAudience: anyAudience.control.checked,
      issuer: issuer.control.value.trim(),
    };
    return { config: out, metadata_fields: metadata.map((m) => ({ ...m })) };
  }
  const fields = [algorithm, useJwk, jwkUri, keys, audience, anyAudience, issuer];
  function clearErrors() {
    for (const f of fields) f.setError("");
    for (const r of rows) r.setError("");
    metadataError.textContent = "";
  }

  fill();
  let saved = JSON.stringify(current());

  const element = h(
    "section",
    { class: "card" },
    h("h2", { class: "card-title" }, "Settings"),
    h("p", { class: "muted" }, "Users log in with a JSON Web Token your own system signed; its sub is the user's identity."),
    algorithm.element,
    useJwk.element,
    jwkUri.element,
    keys.element,
    keysLink,
    audience.element,
    anyAudience.element,
    issuer.element,
    h(
      "div",
      { class: "subsection" },
      h("h3", {}, "Metadata fields"),
      h("p", { class: "hint" }, "Claims copied into the user's data at login: a claim path in dot notation (escape a literal dot as \\.), the data field's name (default: the path's last part), and whether a token without it is refused."),
      h("div", { class: "table-scroll" }, metadataTable),
      metadataError,
      addField,
    ),
  );
  element.addEventListener("input", changed);
  element.addEventListener("change", () => {
    syncJwk();
    changed();
  });

  return {
    element,
    dirty: () => JSON.stringify(current()) !== saved,
    values() {
      const { config: next, metadata_fields } = current();
      const merged = { ...config, ...next };
      const names = merged.signingKeys;
      delete merged.signingKeys; // named in secret_config, never inline
      if (!merged.useJWKURI) delete merged.jwkURI;
      if (!merged.issuer) delete merged.issuer;
      const secret_config = { ...secretConfig };
      if (names.length) secret_config.signingKeys = names;
      else delete secret_config.signingKeys;
      return { config: merged, secret_config, metadata_fields };
    },
    validate() {
      clearErrors();
      const { config: c, metadata_fields: m } = current();
      if (c.useJWKURI) {
        if (c.signingAlgorithm !== "RS256") useJwk.setError("A JWK URI needs the RS256 algorithm.");
        if (!c.jwkURI) jwkUri.setError("Enter the JWK Set's URL.");
        else if (!URL_RULE.test(c.jwkURI)) jwkUri.setError("Enter a full http:// or https:// URL.");
      } else if (c.signingKeys.length === 0) {
        keys.setError(c.signingAlgorithm === "RS256" ? "Name at least one secret holding a key, or use a JWK URI." : "Name at least one secret holding the shared key.");
      } else {
        const bad = c.signingKeys.filter((k) => !SECRET_NAME_RULE.test(k));
        if (bad.length) keys.setError(`Not a secret name: ${bad.join(", ")}. A name is 1 to 64 letters, digits, _ or -, starting with a letter or digit.`);
      }
      m.forEach((f, i) => {
        if (!claimPathOk(f.name)) rows[i].setError("Enter a claim path without empty parts, e.g. user.name.");
        else if ((f.field_name || "").length >= 64) rows[i].setError("A field name is shorter than 64 characters.");
      });
      return element.querySelectorAll('[aria-invalid="true"]').length;
    },
    focusFirstError() {
      const bad = element.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    },
    onInput: (fn) => listeners.push(fn),
    saved(updated) {
      config = { ...((updated && updated.config) || {}) };
      secretConfig = { ...((updated && updated.secret_config) || {}) };
      metadata = Array.isArray(updated && updated.metadata_fields) ? updated.metadata_fields.map((x) => ({ ...x })) : [];
      fill();
      saved = JSON.stringify(current());
    },
    showServerError(message) {
      const order = [
        ["signingKeys", keys],
        ["jwkURI", jwkUri],
        ["useJWKURI", useJwk],
        ["signingAlgorithm", algorithm],
        ["requireAnyAudience", anyAudience],
        ["audience", audience],
        ["issuer", issuer],
      ];
      for (const [key, f] of order) {
        if (message.includes(key)) {
          f.setError(message);
          return true;
        }
      }
      if (message.includes("metadata_fields")) {
        metadataError.textContent = message;
        return true;
      }
      return false;
    },
  };
}
