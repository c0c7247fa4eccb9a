// providers.js: Authentication: the Provider list, and one page per provider
// type with the "Provider Enabled" switch and Save. Save puts the change in
// the app's draft (opening one when there is none), so the banner offers to
// review and deploy it; with "Disable Drafts" on, Save deploys at once.
import { ApiError, appPath, call } from "../api.js";
import { savedText, saveThroughDraft } from "../draft.js";
import { h, replace, statusLine, uid } from "../dom.js";
import { PROVIDER_TYPES, providerMeta } from "../providers_meta.js";
import { settingsFormFor } from "./provider_settings.js";

async function providersByType(appId) {
  const list = await call("GET", appPath(appId, "/auth_providers"));
  const byType = new Map();
  for (const p of list || []) if (!byType.has(p.type)) byType.set(p.type, p);
  return byType;
}

function stateBadge(enabled) {
  return h("span", { class: enabled ? "badge badge-on" : "badge badge-off" }, enabled ? "Enabled" : "Disabled");
}

export async function renderProviderList(main, ctx) {
  const slot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading providers…"));
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Authentication")),
    h("p", { class: "muted" }, "Choose how users of this app log in. Select a provider to turn it on or off and change its settings."),
    slot,
  );
  let byType;
  try {
    byType = await providersByType(ctx.app._id);
  } catch (err) {
    replace(slot, statusLine(`Could not load the providers: ${err.message}`, "error"));
    return;
  }
  const headId = uid("providers");
  replace(
    slot,
    h("h2", { class: "visually-hidden", id: headId }, "Provider list"),
    h(
      "div",
      { class: "provider-list-head", "aria-hidden": "true" },
      h("span", {}, "Provider"),
      h("span", {}, "Description"),
      h("span", {}, "State"),
    ),
    h(
      "ul",
      { class: "provider-list", "aria-labelledby": headId },
      PROVIDER_TYPES.map((meta) => {
        const p = byType.get(meta.type);
        const enabled = Boolean(p && !p.disabled);
        return h(
          "li",
          {},
          h(
            "a",
            { class: "provider-row", href: `#/apps/${encodeURIComponent(ctx.app._id)}/auth/${meta.type}` },
            h("span", { class: "provider-name" }, meta.name),
            h("span", { class: "provider-description" }, meta.description),
            h("span", { class: "provider-state" }, stateBadge(enabled)),
          ),
        );
      }),
    ),
  );
}

export async function renderProviderPage(main, ctx, type) {
  const meta = providerMeta(type);
  if (!meta) {
    main.replaceChildren(h("h1", { tabindex: "-1" }, "Unknown provider"), statusLine(`guestpass has no provider type "${type}".`, "error"));
    return;
  }
  const appId = ctx.app._id;
  const back = h("a", { class: "back-link", href: `#/apps/${encodeURIComponent(appId)}/auth` }, "← Authentication");
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  main.replaceChildren(
    back,
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, meta.name)),
    h("p", { class: "lead" }, meta.description),
    body,
  );

  let provider;
  try {
    provider = (await providersByType(appId)).get(type) || null;
  } catch (err) {
    replace(body, statusLine(`Could not load the provider: ${err.message}`, "error"));
    return;
  }

  let savedEnabled = Boolean(provider && !provider.disabled);
  let enabled = savedEnabled;
  const labelId = uid("enabled-label");
  const toggle = h(
    "button",
    { type: "button", role: "switch", class: "switch", "aria-checked": String(enabled), "aria-labelledby": labelId },
    h("span", { class: "switch-track", "aria-hidden": "true" }, h("span", { class: "switch-thumb" })),
    h("span", { class: "switch-text", "aria-hidden": "true" }, enabled ? "On" : "Off"),
  );
  const settings = settingsFormFor(type, provider, ctx);
  const message = h("div", { class: "form-message", "aria-live": "polite" });
  const save = h("button", { type: "button", class: "button primary", disabled: true }, "Save");

  function dirty() {
    return enabled !== savedEnabled || (settings && settings.dirty());
  }
  function refreshState() {
    toggle.setAttribute("aria-checked", String(enabled));
    toggle.querySelector(".switch-text").textContent = enabled ? "On" : "Off";
    save.disabled = !dirty();
  }
  toggle.addEventListener("click", () => {
    enabled = !enabled;
    replace(message);
    refreshState();
  });
  if (settings) settings.onInput(() => refreshState());

  save.addEventListener("click", async () => {
    if (settings && (settings.dirty() || enabled)) {
      const problems = settings.validate();
      if (problems > 0) {
        replace(message, statusLine("Fix the settings marked above before saving.", "error"));
        settings.focusFirstError();
        return;
      }
    }
    save.disabled = true;
    replace(message, statusLine("Saving…"));
    try {
      const outcome = await saveProvider(appId, type, provider, enabled, settings);
      provider = outcome.provider;
      savedEnabled = enabled;
      if (settings) settings.saved(provider);
      replace(message, statusLine(savedText(outcome.deployed), "success"));
      await ctx.refreshBanner();
    } catch (err) {
      if (err instanceof ApiError && settings && settings.showServerError(err.message)) {
        replace(message, statusLine("The server refused the settings: see the field marked above.", "error"));
      } else {
        replace(message, statusLine(`Could not save: ${err.message}`, "error"));
      }
    }
    refreshState();
  });

  replace(
    body,
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "switch-field" },
        h("div", {}, h("span", { class: "switch-label", id: labelId }, "Provider Enabled"), h("p", { class: "hint" }, `When on, users can ${meta.description.replace(/^Allow users to /, "")}.`)),
        toggle,
      ),
    ),
    settings ? settings.element : h("section", { class: "card" }, h("p", { class: "muted" }, "This provider has no settings.")),
    h("div", { class: "action-bar" }, message, save),
  );
}

/**
 * Saves one provider's state (and settings) through the app's draft, or at
 * once with drafts disabled (draft.js). Returns {provider, deployed}.
 */
async function saveProvider(appId, type, provider, enabled, settings) {
  const { result, deployed } = await saveThroughDraft(appId, () => applyChange(appId, type, provider, enabled, settings));
  return { provider: result, deployed };
}

async function applyChange(appId, type, provider, enabled, settings) {
  const changes = settings ? settings.values() : null;
  if (!provider) {
    return call("POST", appPath(appId, "/auth_providers"), {
      type,
      name: type,
      disabled: !enabled,
      ...(changes || { config: {} }),
    });
  }
  const path = appPath(appId, `/auth_providers/${encodeURIComponent(provider._id)}`);
  if (changes && settings.dirty()) {
    await call("PATCH", path, { ...provider, ...changes, disabled: !enabled });
  } else if (Boolean(!provider.disabled) !== enabled) {
    await call("PUT", `${path}/${enabled ? "enable" : "disable"}`);
  }
  return call("GET", path);
}
