// deployment.js: the Deployment page: the history (who, when, origin,
// status), redeploying an earlier deployment (a rollback), and the
// "Disable Drafts" setting (then each Save deploys at once).
import { appPath, call, session } from "../api.js";
import { confirmDialog } from "../dialog.js";
import { formatTime, h, replace, statusLine, uid } from "../dom.js";
import { dataTable, loadList, showEmpty } from "../list.js";

const ORIGINS = { UI: "Web UI", CLI: "CLI", API: "Admin API", import: "App directory at start", redeploy: "Redeploy" };

function who(userId) {
  if (!userId) return "guestpass (at start)";
  const me = session();
  return me && me.user_id === userId ? `${me.username || "admin"} (you)` : `administrator ${userId}`;
}

export async function renderDeployment(main, ctx) {
  const appId = ctx.app._id;
  const message = h("div", { class: "page-message-slot", "aria-live": "polite" });
  const draftsSlot = h("section", { class: "card" }, h("p", { class: "muted" }, "Loading…"));
  const historySlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading the history…"));
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Deployment")),
    message,
    draftsSlot,
    h("h2", {}, "History"),
    historySlot,
  );

  async function loadConfig() {
    let config;
    try {
      config = await call("GET", appPath(appId, "/deploy/config"));
    } catch (err) {
      replace(draftsSlot, statusLine(`Could not load the deployment settings: ${err.message}`, "error"));
      return;
    }
    const labelId = uid("drafts-label");
    let disabled = Boolean(config.ui_drafts_disabled);
    const toggle = h(
      "button",
      { type: "button", role: "switch", class: "switch", "aria-checked": String(disabled), "aria-labelledby": labelId },
      h("span", { class: "switch-track", "aria-hidden": "true" }, h("span", { class: "switch-thumb" })),
      h("span", { class: "switch-text", "aria-hidden": "true" }, disabled ? "On" : "Off"),
    );
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        await call("PATCH", appPath(appId, "/deploy/config"), { ui_drafts_disabled: !disabled });
        disabled = !disabled;
        toggle.setAttribute("aria-checked", String(disabled));
        toggle.querySelector(".switch-text").textContent = disabled ? "On" : "Off";
        replace(
          message,
          statusLine(disabled ? "Drafts are disabled: each Save in the web UI now deploys at once." : "Drafts are enabled: each Save goes into a draft to review and deploy.", "success"),
        );
      } catch (err) {
        replace(message, statusLine(`Could not change Disable Drafts: ${err.message}`, "error"));
      } finally {
        toggle.disabled = false;
        toggle.focus();
      }
    });
    replace(
      draftsSlot,
      h(
        "div",
        { class: "switch-field" },
        h(
          "div",
          {},
          h("span", { class: "switch-label", id: labelId }, "Disable Drafts"),
          h("p", { class: "hint" }, "When on, each Save in the web UI deploys at once, with no draft to review. Changes made through the Admin API without a draft always deploy at once."),
        ),
        toggle,
      ),
    );
  }

  async function loadHistory() {
    const list = await loadList(historySlot, "deployments", () => call("GET", appPath(appId, "/deployments")));
    if (!list) return;
    if (list.length === 0) return showEmpty(historySlot, "Nothing has been deployed yet.");
    const rows = list.map((d, i) => {
      const ok = d.status === "successful";
      const label = d.name || d._id;
      let action = null;
      if (ok && i > 0) {
        action = h("button", { type: "button", class: "button small", "aria-label": `Redeploy ${label}` }, "Redeploy");
        action.addEventListener("click", () => redeploy(d, label));
      } else if (ok && i === 0) {
        action = h("span", { class: "muted" }, "Current");
      }
      return h(
        "tr",
        {},
        h("td", {}, h("code", {}, label)),
        h("td", {}, who(d.user_id)),
        h("td", {}, formatTime(d.deployed_at)),
        h("td", {}, ORIGINS[d.origin] || d.origin || "—"),
        h(
          "td",
          {},
          h("span", { class: ok ? "badge badge-on" : "badge badge-bad" }, ok ? "Successful" : "Failed"),
          !ok && d.status_error_message ? h("p", { class: "hint" }, d.status_error_message) : null,
        ),
        h("td", { class: "actions" }, action),
      );
    });
    replace(
      historySlot,
      dataTable({ caption: "Deployment history, newest first", columns: ["Deployment", "Deployed by", "When", "Origin", "Status", null], rows, className: "table" }),
    );
  }

  async function redeploy(d, label) {
    const ok = await confirmDialog({
      title: `Redeploy ${label}?`,
      message: `This deploys again what ${label} deployed on ${formatTime(d.deployed_at)}, replacing the current configuration of ${ctx.app.name} at once (a rollback). A draft, if any, is kept.`,
      confirmLabel: "Redeploy",
      danger: false,
    });
    if (!ok) return;
    try {
      await call("POST", appPath(appId, `/deployments/${encodeURIComponent(d._id)}/redeploy`));
      replace(message, statusLine(`Redeployed ${label}: clients see that configuration now.`, "success"));
    } catch (err) {
      replace(message, statusLine(`Redeploy failed: ${err.message}`, "error"));
    }
    await loadHistory();
    await ctx.refreshBanner();
  }

  await Promise.all([loadConfig(), loadHistory()]);
}
