// provider_settings.js: the settings forms of providers that have settings.
// Not built yet: the page says so instead of showing a form that does nothing.
import { h } from "../dom.js";

const CLI_HINT = "Change them with `guestpass pull` and `guestpass push`, or the Admin API (PATCH …/auth_providers/{id}).";

/** A settings form for `type`, or null when the type has none (anon-user, api-key). */
export function settingsFormFor(type) {
  if (type !== "local-userpass" && type !== "custom-token") return null;
  const element = h(
    "section",
    { class: "card" },
    h("h2", { class: "card-title" }, "Settings"),
    h("p", {}, "Editing this provider's settings is not available in the web UI yet."),
    h("p", { class: "muted" }, CLI_HINT),
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
