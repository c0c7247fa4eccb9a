// logs.js: the Logs page: the app's log (GET .../logs), newest first:
// client authentication events (AUTH) and administrators' changes (ADMIN),
// each with its time, user, address, SDK (a login's device info) and outcome;
// filtered by type, errors, user and time; "Older" fetches the next page
// with the API's nextEndDate and nextSkip.
import { appPath, call } from "../api.js";
import { formatTime, h, replace, statusLine } from "../dom.js";
import { dataTable, showEmpty } from "../list.js";
import { field, focusFirstInvalid, input, select } from "../form.js";
import { providerMeta } from "../providers_meta.js";

const ID_RULE = /^[0-9a-f]{24}$/i;
const PAGE = 50;
const AUTH_EVENTS = { login: "Login", link: "Link", logout: "Logout" };

/** A datetime-local value ("2026-05-01T14:03") as ISO 8601 in UTC, or "". */
function isoOf(localValue) {
  if (!localValue) return "";
  const date = new Date(localValue);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "PUT …/auth_providers/ID/enable": an admin request's path below the app. */
function shortPath(url) {
  const m = /\/apps\/[0-9a-f]{24}(\/.*)?$/i.exec(url || "");
  if (m) return m[1] || "/ (the app)";
  return url || "";
}

function describe(entry) {
  if (entry.type === "AUTH") {
    const event = entry.auth_event || {};
    const meta = providerMeta(event.provider);
    const what = AUTH_EVENTS[event.type] || event.type || "Request";
    return event.provider ? `${what} with ${meta ? meta.name : event.provider}` : what;
  }
  return `${entry.request_method || ""} ${shortPath(entry.request_url)}`.trim();
}

function who(entry) {
  if (entry.type === "ADMIN")
    return [entry.administrator ? h("span", {}, entry.administrator) : h("code", {}, entry.user_id || "?"), h("span", { class: "hint nowrap" }, " (administrator)")];
  return entry.user_id ? h("code", {}, entry.user_id) : "—";
}

/** "chrome 120, SDK 2.0.1": what a login's SDK said of itself, or "—". */
function sdk(entry) {
  const d = entry.device && typeof entry.device === "object" ? entry.device : {};
  const text = (v) => (typeof v === "string" ? v : "");
  const platform = [text(d.platform), text(d.platformVersion)].filter(Boolean).join(" ");
  const version = text(d.sdkVersion) ? `SDK ${text(d.sdkVersion)}` : "";
  return [platform, version].filter(Boolean).join(", ") || "—";
}

function outcome(entry) {
  const failed = Number(entry.status) >= 400;
  const badge = h("span", { class: failed ? "badge badge-bad" : "badge badge-on" }, failed ? `Failed (${entry.status})` : `OK (${entry.status})`);
  if (!failed) return badge;
  const reason = [entry.error, entry.error_code ? `[${entry.error_code}]` : ""].filter(Boolean).join(" ");
  return [badge, reason ? h("p", { class: "hint wrap" }, reason) : null];
}

export async function renderLogs(main, ctx) {
  const appId = ctx.app._id;
  const type = field({
    label: "Type",
    key: "log-type",
    control: select([
      ["", "All events"],
      ["AUTH", "Authentication (AUTH)"],
      ["ADMIN", "Admin changes (ADMIN)"],
    ]),
  });
  const errors = field({ label: "Errors only", key: "log-errors", control: h("input", { type: "checkbox", name: "errorsOnly" }), inline: true });
  const user = field({ label: "User ID", key: "log-user", control: input({ name: "userId" }), hint: "An app user's or administrator's id." });
  const from = field({ label: "From", key: "log-from", control: input({ type: "datetime-local", name: "from", step: "1" }) });
  const to = field({ label: "To", key: "log-to", control: input({ type: "datetime-local", name: "to", step: "1" }) });
  const apply = h("button", { type: "submit", class: "button" }, "Apply Filters");
  const clear = h("button", { type: "button", class: "button ghost" }, "Clear");
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter the log", novalidate: true },
    h("div", { class: "filter-grid" }, type.element, user.element, from.element, to.element),
    h("div", { class: "filter-bottom" }, errors.element, h("div", { class: "filter-buttons" }, apply, clear)),
  );
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading the log…"));
  const older = h("button", { type: "button", class: "button small" }, "Older");
  const more = h("div", { class: "pager" }, older);
  const countLine = h("p", { class: "count-line", role: "status" });
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Logs")),
    h("p", { class: "muted" }, "Logins, links and logouts of the app's users, and administrators' changes to the app, newest first. The server keeps them 10 days by default (--log-retention-days)."),
    form,
    countLine,
    listSlot,
    more,
  );

  let entries = [];
  let next = null; // {end_date, skip} of the next page, or null

  function params(extra = {}) {
    const p = new URLSearchParams();
    if (type.control.value) p.set("type", type.control.value);
    if (errors.control.checked) p.set("errors_only", "true");
    if (user.control.value.trim()) p.set("user_id", user.control.value.trim().toLowerCase());
    if (isoOf(from.control.value)) p.set("start_date", isoOf(from.control.value));
    if (isoOf(to.control.value)) p.set("end_date", isoOf(to.control.value));
    p.set("limit", String(PAGE));
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return `?${p.toString()}`;
  }

  function draw() {
    if (entries.length === 0) {
      showEmpty(listSlot, "No log entries match.");
    } else {
      const rows = entries.map((e) =>
        h(
          "tr",
          {},
          h("td", { class: "nowrap" }, formatTime(e.started, { seconds: true })),
          h("td", {}, h("span", { class: "badge badge-off" }, e.type === "AUTH" ? "Auth" : e.type === "ADMIN" ? "Admin" : e.type)),
          h("td", { class: "wrap" }, describe(e)),
          h("td", { class: "wrap" }, who(e)),
          h("td", {}, h("code", {}, e.remote_ip_address || "—")),
          h("td", { class: "wrap" }, sdk(e)),
          h("td", {}, outcome(e)),
        ),
      );
      replace(
        listSlot,
        dataTable({ caption: "Log entries, newest first", columns: ["Time", "Type", "Event", "User", "Address", "SDK", "Outcome"], rows, className: "table keep-columns log-table" }),
      );
    }
    replace(countLine, entries.length ? `${entries.length} ${entries.length === 1 ? "entry" : "entries"} shown${next ? "; older ones remain" : ""}.` : "");
    more.hidden = !next;
  }

  async function load(append) {
    let page;
    try {
      page = await call("GET", appPath(appId, `/logs${params(append && next ? { end_date: next.end_date, skip: String(next.skip) } : {})}`));
    } catch (err) {
      replace(listSlot, statusLine(`Could not load the log: ${err.message}`, "error"));
      more.hidden = true;
      return;
    }
    const logs = (page && page.logs) || [];
    entries = append ? entries.concat(logs) : logs;
    next = page && page.nextEndDate ? { end_date: page.nextEndDate, skip: page.nextSkip || 0 } : null;
    draw();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    user.setError("");
    to.setError("");
    const id = user.control.value.trim();
    if (id && !ID_RULE.test(id)) user.setError("A user id is 24 hex digits.");
    if (from.control.value && to.control.value && isoOf(from.control.value) > isoOf(to.control.value)) to.setError("“To” must be after “From”.");
    if (focusFirstInvalid(form)) return;
    load(false);
  });
  clear.addEventListener("click", () => {
    for (const f of [type, user, from, to]) {
      f.control.value = "";
      f.setError("");
    }
    errors.control.checked = false;
    load(false);
  });
  type.control.addEventListener("change", () => load(false));
  errors.control.addEventListener("change", () => load(false));
  older.addEventListener("click", async () => {
    older.disabled = true;
    await load(true);
    older.disabled = false;
    older.focus();
  });
  await load(false);
}
