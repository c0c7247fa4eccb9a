// apps.js: the list of apps, creating one, deleting one after a confirmation.
import { ApiError, call, groupPath } from "../api.js";
import { confirmDialog } from "../dialog.js";
import { formatTime, h, objectIdSeconds, replace, statusLine } from "../dom.js";
import { dataTable, loadList, showEmpty } from "../list.js";

const NAME_RULE = /^[A-Za-z0-9_-]{1,32}$/;

export async function renderApps(main) {
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading apps…"));
  const message = h("div", { class: "page-message-slot" });

  const name = h("input", {
    id: "new-app-name",
    name: "name",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "new-app-hint",
    maxlength: "32",
  });
  const nameError = h("p", { class: "field-error", id: "new-app-error" });
  const create = h("button", { type: "submit", class: "button primary" }, "Create App");
  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "new-app-name" }, "App name"),
      h("div", { class: "field-row" }, name, create),
      h("p", { class: "hint", id: "new-app-hint" }, "1 to 32 letters, digits, _ or -."),
      nameError,
    ),
  );

  async function load() {
    const apps = await loadList(listSlot, "apps", () => call("GET", groupPath("/apps")));
    if (!apps) return;
    if (apps.length === 0) return showEmpty(listSlot, "There are no apps yet. Create one above.");
    const rows = apps.map((app) => {
      const remove = h("button", { type: "button", class: "button small danger-outline", "aria-label": `Delete app ${app.name}` }, "Delete");
      remove.addEventListener("click", () => removeApp(app));
      return h(
        "tr",
        {},
        h("td", {}, h("a", { href: `#/apps/${encodeURIComponent(app._id)}/auth` }, app.name)),
        h("td", {}, h("code", {}, app.client_app_id)),
        h("td", {}, formatTime(objectIdSeconds(app._id))),
        h("td", { class: "actions" }, remove),
      );
    });
    replace(listSlot, dataTable({ caption: "Apps", columns: ["Name", "Client App ID", "Created", null], rows, className: "table" }));
  }

  async function removeApp(app) {
    const ok = await confirmDialog({
      title: `Delete ${app.name}?`,
      message: `Deleting the app ${app.name} (${app.client_app_id}) removes its users, sessions, drafts and deployments at once. Its users' tokens stop working. This cannot be undone.`,
      confirmLabel: `Delete ${app.name}`,
    });
    if (!ok) return;
    let outcome;
    try {
      await call("DELETE", groupPath(`/apps/${encodeURIComponent(app._id)}`));
      outcome = statusLine(`Deleted ${app.name}.`, "success");
    } catch (err) {
      outcome = statusLine(`Could not delete ${app.name}: ${err.message}`, "error");
    }
    await load();
    replace(message, outcome);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!NAME_RULE.test(value)) {
      nameError.textContent = value ? "A name is 1 to 32 letters, digits, _ or - (no spaces)." : "Enter a name for the app.";
      name.setAttribute("aria-invalid", "true");
      name.setAttribute("aria-describedby", "new-app-hint new-app-error");
      name.focus();
      return;
    }
    nameError.textContent = "";
    name.removeAttribute("aria-invalid");
    create.disabled = true;
    try {
      const app = await call("POST", groupPath("/apps"), { name: value });
      name.value = "";
      await load();
      replace(message, statusLine(`Created ${app.name} (client app id ${app.client_app_id}).`, "success"));
    } catch (err) {
      nameError.textContent = err instanceof ApiError ? err.message : String(err);
      name.setAttribute("aria-invalid", "true");
      name.focus();
    } finally {
      create.disabled = false;
    }
  });

  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Apps")),
    h("div", { class: "card" }, h("h2", { class: "card-title" }, "Create an app"), form),
    message,
    listSlot,
  );
  await load();
}
