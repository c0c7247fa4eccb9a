// users.js: the Users page of an app. Three lists (Users, Pending, API
// Keys) and a page per user. The users list pages with the Admin API's keyset
// paging (after=the last id of the page before), never loading every user;
// its count and filters are the API's. Destructive actions ask first, naming
// the user. Everything shown from users is set as text.
import { ApiError, appPath, call } from "../api.js";
import { confirmDialog, openDialog } from "../dialog.js";
import { formatTime, h, replace, statusLine, uid } from "../dom.js";
import { field, focusFirstInvalid, input, select } from "../form.js";
import { actionRunner, dataTable, loadList, showEmpty } from "../list.js";
import { PROVIDER_TYPES, providerMeta } from "../providers_meta.js";

const PAGE_SIZE = 50; // the Admin API's largest page
const ID_RULE = /^[0-9a-f]{24}$/i;
const EMAIL_RULE = /^[^\s@]+@[^\s@]+$/;

// A message to show on the next page drawn (after a deletion leaves a page).
let flash = null;

/** `rest`: "" (the users), "pending", "api-keys" or a user id. */
export async function renderUsers(main, ctx, rest) {
  if (rest === "pending") return renderPending(main, ctx);
  if (rest === "api-keys") return renderApiKeys(main, ctx);
  if (rest) return renderUser(main, ctx, rest);
  return renderUserList(main, ctx);
}

function usersHref(ctx, rest = "") {
  return `#/apps/${encodeURIComponent(ctx.app._id)}/users${rest ? `/${encodeURIComponent(rest)}` : ""}`;
}

function subNav(ctx, current) {
  const items = [
    ["", "Users"],
    ["pending", "Pending"],
    ["api-keys", "API Keys"],
  ];
  return h(
    "nav",
    { class: "subnav", "aria-label": "User lists" },
    h(
      "ul",
      {},
      items.map(([rest, label]) =>
        h("li", {}, h("a", { href: usersHref(ctx, rest), "aria-current": rest === current ? "page" : false }, label)),
      ),
    ),
  );
}

function pageMessage() {
  const slot = h("div", { class: "page-message-slot", "aria-live": "polite" });
  if (flash) {
    slot.appendChild(statusLine(flash.text, flash.kind));
    flash = null;
  }
  return slot;
}

/** The user's email or name (from its data), or "". */
function displayName(user) {
  const data = (user && user.data) || {};
  if (typeof data.email === "string" && data.email) return data.email;
  if (typeof data.name === "string" && data.name) return data.name;
  return "";
}

/** How dialogs name a user: its email or name with its id, or its id. */
function userLabel(user) {
  const name = displayName(user);
  return name ? `${name} (${user._id})` : `user ${user._id}`;
}

function providerNames(user) {
  const names = [];
  for (const i of user.identities || []) {
    const meta = providerMeta(i.provider_type);
    const name = meta ? meta.name : i.provider_type;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function stateBadge(disabled) {
  return h("span", { class: disabled ? "badge badge-bad" : "badge badge-on" }, disabled ? "Disabled" : "Enabled");
}

// ---- The users list --------------------------------------------------------

async function renderUserList(main, ctx) {
  const appId = ctx.app._id;
  const message = pageMessage();
  const search = field({
    label: "User ID or email",
    key: "user-search",
    control: input({ name: "search", type: "search" }),
    hint: "A user id (24 hex digits) or an email/password user's email address.",
  });
  const provider = field({
    label: "Provider",
    key: "user-provider",
    control: select([["", "Any provider"], ...PROVIDER_TYPES.map((p) => [p.type, p.name])]),
  });
  const anonymity = field({
    label: "Anonymous or linked",
    key: "user-anonymity",
    control: select([
      ["", "Any user"],
      ["anonymous", "Anonymous only"],
      ["linked", "Linked (anonymous plus another)"],
    ]),
  });
  const state = field({
    label: "State",
    key: "user-state",
    control: select([
      ["", "Enabled or disabled"],
      ["enabled", "Enabled"],
      ["disabled", "Disabled"],
    ]),
  });
  const searchButton = h("button", { type: "submit", class: "button" }, "Search");
  const clearButton = h("button", { type: "button", class: "button ghost" }, "Clear");
  // The search box with its buttons on one row, the filters on the next.
  const searchRow = h("div", { class: "field-row" });
  search.control.before(searchRow);
  searchRow.append(search.control, searchButton, clearButton);
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Find users", novalidate: true },
    search.element,
    h("div", { class: "filter-grid" }, provider.element, anonymity.element, state.element),
  );
  const countLine = h("p", { class: "count-line", role: "status" });
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading users…"));
  const prev = h("button", { type: "button", class: "button small" }, "Previous");
  const next = h("button", { type: "button", class: "button small" }, "Next");
  const pageLabel = h("span", { class: "muted" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages of users" }, prev, pageLabel, next);
  const add = h("button", { type: "button", class: "button primary" }, "Add User");

  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Users"), add),
    subNav(ctx, ""),
    message,
    form,
    countLine,
    listSlot,
    pager,
  );

  let cursors = [""]; // the `after` of each page up to the current one
  let shown = 0;
  let lastId = ""; // the last user of the page shown: the next page's `after`

  function query(extra = {}) {
    const params = new URLSearchParams();
    if (provider.control.value) params.set("provider_types", provider.control.value);
    if (anonymity.control.value) params.set("anonymity", anonymity.control.value);
    if (state.control.value) params.set("status", state.control.value);
    const term = search.control.value.trim();
    if (term && !ID_RULE.test(term)) params.set("email", term);
    for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
    const text = params.toString();
    return text ? `?${text}` : "";
  }

  function showTable(users, emptyText) {
    if (users.length === 0) {
      replace(listSlot, h("p", { class: "pad" }, emptyText));
      return;
    }
    const rows = users.map((u) =>
      h(
        "tr",
        {},
        h("td", {}, h("a", { href: usersHref(ctx, u._id), class: "mono-link" }, u._id)),
        h("td", {}, providerNames(u).map((n) => h("span", { class: "badge badge-off badge-gap" }, n))),
        h("td", { class: "wrap" }, displayName(u) || h("span", { class: "muted" }, "—")),
        h("td", { class: "nowrap" }, formatTime(u.creation_date)),
        h("td", { class: "nowrap" }, formatTime(u.last_authentication_date)),
        h("td", {}, stateBadge(u.disabled)),
      ),
    );
    replace(
      listSlot,
      dataTable({ caption: "Users", columns: ["User ID", "Providers", "Email or name", "Created", "Last login", "State"], rows, className: "table keep-columns users-table" }),
    );
  }

  async function load() {
    search.setError("");
    const term = search.control.value.trim();
    if (term && !ID_RULE.test(term) && !EMAIL_RULE.test(term)) {
      search.setError("Enter a user id (24 hex digits) or an email address.");
      search.control.focus();
      return;
    }
    replace(countLine, "Loading…");
    if (term && ID_RULE.test(term)) {
      pager.hidden = true;
      try {
        const user = await call("GET", appPath(appId, `/users/${encodeURIComponent(term.toLowerCase())}`));
        replace(countLine, "The user with this id:");
        showTable([user], "");
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          replace(countLine, `No user of ${ctx.app.name} has the id ${term}.`);
          showTable([], "No user found.");
        } else {
          replace(countLine);
          replace(listSlot, statusLine(`Could not find the user: ${err.message}`, "error"));
        }
      }
      return;
    }
    const after = cursors[cursors.length - 1];
    let users;
    let count;
    try {
      [users, count] = await Promise.all([
        call("GET", appPath(appId, `/users${query({ after, limit: String(PAGE_SIZE) })}`)),
        call("GET", appPath(appId, `/users/count${query()}`)),
      ]);
    } catch (err) {
      replace(countLine);
      replace(listSlot, statusLine(`Could not load the users: ${err.message}`, "error"));
      pager.hidden = true;
      return;
    }
    users = users || [];
    const total = (count && count.count) || 0;
    const filtered = query() !== "";
    const start = (cursors.length - 1) * PAGE_SIZE;
    shown = users.length;
    lastId = users.length ? users[users.length - 1]._id : "";
    const noun = total === 1 ? "user" : "users";
    const verb = !filtered ? "" : total === 1 ? " matches" : " match";
    replace(countLine, `${total.toLocaleString("en-US")} ${noun}${verb}`);
    showTable(users, filtered ? "No user matches these filters." : "This app has no users yet.");
    pager.hidden = total <= PAGE_SIZE && cursors.length === 1;
    prev.disabled = cursors.length === 1;
    next.disabled = users.length < PAGE_SIZE || start + users.length >= total;
    replace(pageLabel, users.length ? `${(start + 1).toLocaleString("en-US")}–${(start + users.length).toLocaleString("en-US")} of ${total.toLocaleString("en-US")}` : "");
  }

  function restart() {
    cursors = [""];
    return load();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    restart();
  });
  for (const f of [provider, anonymity, state]) f.control.addEventListener("change", () => restart());
  clearButton.addEventListener("click", () => {
    search.control.value = "";
    provider.control.value = "";
    anonymity.control.value = "";
    state.control.value = "";
    restart();
  });
  next.addEventListener("click", async () => {
    if (!lastId || shown < PAGE_SIZE) return;
    cursors.push(lastId);
    await load();
    next.disabled ? prev.focus() : next.focus();
  });
  prev.addEventListener("click", async () => {
    if (cursors.length === 1) return;
    cursors.pop();
    await load();
    prev.disabled ? next.focus() : prev.focus();
  });
  add.addEventListener("click", () =>
    openAddUser(appId, (user) => {
      replace(message, statusLine(`Created the email/password user ${displayName(user)}. It can log in now.`, "success"));
      restart();
    }),
  );

  await load();
}

function openAddUser(appId, onCreated) {
  const formId = uid("add-user");
  const email = field({ label: "Email", key: "new-user-email", control: input({ type: "email", name: "email" }) });
  const password = field({
    label: "Password",
    key: "new-user-password",
    control: input({ type: "password", name: "password", autocomplete: "new-password" }),
    hint: "6 to 128 characters. The user can change it with a password reset.",
  });
  const outcome = h("div", { class: "dialog-outcome", "aria-live": "polite" });
  const cancel = h("button", { type: "button", class: "button" }, "Cancel");
  const create = h("button", { type: "submit", class: "button primary", form: formId }, "Create User");
  const form = h(
    "form",
    { id: formId, novalidate: true },
    h("p", { class: "muted" }, "An email/password user, confirmed and able to log in at once. The app's Email/Password provider must be enabled."),
    email.element,
    password.element,
    outcome,
  );
  const d = openDialog({ title: "Add User", body: form, actions: [cancel, create] });
  cancel.addEventListener("click", () => d.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    email.setError("");
    password.setError("");
    replace(outcome);
    const address = email.control.value.trim();
    const secret = password.control.value;
    if (!EMAIL_RULE.test(address)) email.setError("Enter an email address.");
    const length = [...secret].length;
    if (length < 6 || length > 128) password.setError("A password is 6 to 128 characters.");
    if (focusFirstInvalid(form)) return;
    create.disabled = true;
    try {
      const user = await call("POST", appPath(appId, "/users"), { email: address, password: secret });
      d.close();
      onCreated(user);
    } catch (err) {
      const text = err.message;
      if (/password/i.test(text)) password.setError(text);
      else if (/email|name already in use/i.test(text)) email.setError(text);
      else replace(outcome, statusLine(`Could not create the user: ${text}`, "error"));
      focusFirstInvalid(form);
    } finally {
      create.disabled = false;
    }
  });
  email.control.focus();
}

// ---- One user --------------------------------------------------------------

async function renderUser(main, ctx, userId) {
  const appId = ctx.app._id;
  const back = h("a", { class: "back-link", href: usersHref(ctx) }, "← Users");
  const message = pageMessage();
  const body = h("div", {}, h("p", { class: "muted" }, "Loading the user…"));
  const heading = h("h1", { tabindex: "-1", class: "wrap" }, "User");
  main.replaceChildren(back, h("div", { class: "page-head" }, heading), message, body);

  const userPath = appPath(appId, `/users/${encodeURIComponent(userId)}`);
  let user;
  let devices;
  try {
    [user, devices] = await Promise.all([call("GET", userPath), call("GET", `${userPath}/devices`)]);
  } catch (err) {
    heading.textContent = err instanceof ApiError && err.status === 404 ? "User not found" : "User";
    replace(body, statusLine(err instanceof ApiError && err.status === 404 ? `${ctx.app.name} has no user ${userId}.` : `Could not load the user: ${err.message}`, "error"));
    return;
  }
  const label = userLabel(user);
  heading.textContent = displayName(user) || `User ${user._id}`;

  async function act(fn, done) {
    try {
      await fn();
      replace(message, statusLine(done, "success"));
    } catch (err) {
      replace(message, statusLine(err.message, "error"));
      return false;
    }
    return true;
  }

  const toggle = h("button", { type: "button", class: user.disabled ? "button" : "button danger-outline" }, user.disabled ? "Enable User" : "Disable User");
  const logout = h("button", { type: "button", class: "button danger-outline" }, "Log Out Everywhere");
  const remove = h("button", { type: "button", class: "button danger" }, "Delete User");
  toggle.addEventListener("click", async () => {
    if (!user.disabled) {
      const ok = await confirmDialog({
        title: `Disable ${label}?`,
        message: `${label} can no longer log in, and its access and refresh tokens are refused at once. You can enable it again.`,
        confirmLabel: "Disable User",
      });
      if (!ok) return;
      if (await act(() => call("PUT", `${userPath}/disable`), `Disabled ${label}: its tokens are refused now.`)) await reload();
    } else if (await act(() => call("PUT", `${userPath}/enable`), `Enabled ${label}: it can log in and use its tokens again.`)) {
      await reload();
    }
    toggle.focus(); // drawn again: keep the keyboard's place
  });
  logout.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: `Log out ${label} everywhere?`,
      message: `Every session of ${label} ends now: each of its devices must log in again. The user is kept.`,
      confirmLabel: "Log Out Everywhere",
    });
    if (!ok) return;
    if (await act(() => call("PUT", `${userPath}/logout`), `Logged ${label} out everywhere.`)) await reload();
    logout.focus();
  });
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: `Delete ${label}?`,
      message: `${label} is deleted for good, with its identities, sessions, API keys and email/password account. Its tokens stop working at once.`,
      confirmLabel: "Delete User",
    });
    if (!ok) return;
    try {
      await call("DELETE", userPath);
    } catch (err) {
      replace(message, statusLine(`Could not delete the user: ${err.message}`, "error"));
      return;
    }
    flash = { text: `Deleted ${label}.`, kind: "success" };
    location.hash = usersHref(ctx);
  });

  async function reload() {
    try {
      [user, devices] = await Promise.all([call("GET", userPath), call("GET", `${userPath}/devices`)]);
    } catch (err) {
      replace(message, statusLine(`Could not load the user again: ${err.message}`, "error"));
      return;
    }
    draw();
  }

  function draw() {
    toggle.textContent = user.disabled ? "Enable User" : "Disable User";
    toggle.className = user.disabled ? "button" : "button danger-outline";
    const identities = (user.identities || []).map((i) =>
      h("tr", {}, h("td", {}, (providerMeta(i.provider_type) || {}).name || i.provider_type), h("td", {}, h("code", { class: "wrap" }, i.provider_type)), h("td", { class: "wrap" }, h("code", {}, i.id))),
    );
    const deviceRows = (devices || []).map((d) =>
      h(
        "tr",
        {},
        h("td", {}, d.device_id ? h("code", {}, d.device_id) : h("span", { class: "muted" }, "none sent")),
        h("td", { class: "wrap" }, [d.platform, d.platform_version].filter(Boolean).join(" ") || "—"),
        h("td", { class: "wrap" }, d.sdk_version || "—"),
        h("td", { class: "wrap" }, [d.app_id, d.app_version].filter(Boolean).join(" ") || "—"),
        h("td", {}, formatTime(d.created)),
        h("td", {}, formatTime(d.expires)),
      ),
    );
    replace(
      body,
      h("div", { class: "toolbar", role: "group", "aria-label": "User actions" }, toggle, logout, remove),
      h(
        "section",
        { class: "card" },
        h("h2", { class: "card-title" }, "Details"),
        h(
          "dl",
          { class: "details" },
          h("dt", {}, "User ID"),
          h("dd", {}, h("code", {}, user._id)),
          h("dt", {}, "Type"),
          h("dd", {}, user.type === "server" ? "Server (an API key's user)" : "Normal"),
          h("dt", {}, "State"),
          h("dd", {}, stateBadge(user.disabled)),
          h("dt", {}, "Created"),
          h("dd", {}, formatTime(user.creation_date)),
          h("dt", {}, "Last login"),
          h("dd", {}, formatTime(user.last_authentication_date), h("span", { class: "hint" }, " (last recorded activity, at most an hour behind)")),
        ),
      ),
      h(
        "section",
        { class: "card table-card" },
        h("h2", { class: "card-title pad-title" }, "Identities"),
        dataTable({ caption: "Identities", columns: ["Provider", "Type", "Identity ID"], rows: identities }),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", { class: "card-title" }, "Data"),
        h("pre", { class: "data-block" }, h("code", {}, JSON.stringify(user.data || {}, null, 2))),
      ),
      h(
        "section",
        { class: "card table-card" },
        h("h2", { class: "card-title pad-title" }, "Devices and sessions"),
        deviceRows.length === 0
          ? h("p", { class: "pad" }, "No live sessions: the user is logged out everywhere.")
          : dataTable({ caption: "Devices and sessions, newest first", columns: ["Device ID", "Platform", "SDK", "App", "Logged in", "Expires"], rows: deviceRows }),
      ),
    );
  }
  draw();
}

// ---- Pending registrations --------------------------------------------------

async function renderPending(main, ctx) {
  const appId = ctx.app._id;
  const message = pageMessage();
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading pending registrations…"));
  const prev = h("button", { type: "button", class: "button small" }, "Previous");
  const next = h("button", { type: "button", class: "button small" }, "Next");
  const pager = h("nav", { class: "pager", "aria-label": "Pages of pending registrations" }, prev, next);
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Users")),
    subNav(ctx, "pending"),
    h("p", { class: "muted" }, "Email/password registrations that have no user yet: not confirmed, or confirmed and never logged in. The first login makes the user."),
    message,
    listSlot,
    pager,
  );
  let cursors = [""];
  let page = [];

  const byEmail = (email, action = "") => appPath(appId, `/user_registrations/by_email/${encodeURIComponent(email)}${action}`);

  const run = actionRunner(message, () => load());

  async function load() {
    const loaded = await loadList(listSlot, "pending registrations", () =>
      call("GET", appPath(appId, `/user_registrations/pending_users${cursors.at(-1) ? `?after=${cursors.at(-1)}` : ""}`)),
    );
    if (!loaded) {
      pager.hidden = true;
      return;
    }
    page = loaded;
    pager.hidden = cursors.length === 1 && page.length < PAGE_SIZE;
    prev.disabled = cursors.length === 1;
    next.disabled = page.length < PAGE_SIZE;
    if (page.length === 0) return showEmpty(listSlot, "No registration is pending.");
    const rows = page.map((p) => {
      const email = (p.login_ids && p.login_ids[0] && p.login_ids[0].id) || "";
      const confirm = h("button", { type: "button", class: "button small", "aria-label": `Confirm ${email}`, disabled: p.confirmed }, "Confirm");
      const resend = h("button", { type: "button", class: "button small", "aria-label": `Resend the confirmation to ${email}`, disabled: p.confirmed }, "Resend");
      const remove = h("button", { type: "button", class: "button small danger-outline", "aria-label": `Delete the registration of ${email}` }, "Delete");
      confirm.addEventListener("click", () => run(() => call("POST", byEmail(email, "/confirm")), `Confirmed ${email}: the first login makes the user.`));
      resend.addEventListener("click", () => run(() => call("POST", byEmail(email, "/send_confirm")), `Sent the confirmation to ${email} again.`));
      remove.addEventListener("click", async () => {
        const ok = await confirmDialog({
          title: `Delete the registration of ${email}?`,
          message: `The pending registration of ${email} and its confirmation links are deleted; the address can register again.`,
          confirmLabel: "Delete Registration",
        });
        if (ok) await run(() => call("DELETE", byEmail(email)), `Deleted the registration of ${email}.`);
      });
      return h(
        "tr",
        {},
        h("td", { class: "wrap" }, email),
        h("td", {}, formatTime(p.creation_date)),
        h("td", {}, p.confirmed ? h("span", { class: "badge badge-on" }, "Confirmed, not logged in yet") : h("span", { class: "badge badge-off" }, "Waiting for confirmation")),
        h("td", { class: "actions" }, confirm, " ", resend, " ", remove),
      );
    });
    replace(listSlot, dataTable({ caption: "Pending registrations", columns: ["Email", "Registered", "Status", null], rows }));
  }
  next.addEventListener("click", () => {
    if (page.length === 0) return;
    cursors.push(page[page.length - 1]._id);
    load();
  });
  prev.addEventListener("click", () => {
    if (cursors.length > 1) cursors.pop();
    load();
  });
  await load();
}

// ---- Server API keys ----------------------------------------------------------

async function renderApiKeys(main, ctx) {
  const appId = ctx.app._id;
  const message = pageMessage();
  const name = field({ label: "Key name", key: "new-key-name", control: input({ name: "name", maxlength: "128" }), hint: "1 to 128 characters, unique in the app." });
  const create = h("button", { type: "submit", class: "button primary" }, "Create API Key");
  const form = h("form", { class: "inline-form", novalidate: true }, name.element, h("div", { class: "form-end" }, create));
  const listSlot = h("div", { class: "card table-card" }, h("p", { class: "muted pad" }, "Loading API keys…"));
  main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Users")),
    subNav(ctx, "api-keys"),
    h("p", { class: "muted" }, "Server API keys: each logs in (Credentials.apiKey) to a server user of its own. The app's API Keys provider must be enabled to make one."),
    h("section", { class: "card" }, h("h2", { class: "card-title" }, "Create a server API key"), form),
    message,
    listSlot,
  );

  const run = actionRunner(message, () => load());

  async function load() {
    const keys = await loadList(listSlot, "API keys", () => call("GET", appPath(appId, "/api_keys")));
    if (!keys) return;
    if (keys.length === 0) return showEmpty(listSlot, "This app has no server API keys.");
    const rows = keys.map((k) => {
      const keyPath = appPath(appId, `/api_keys/${encodeURIComponent(k._id)}`);
      const toggle = h("button", { type: "button", class: "button small", "aria-label": `${k.disabled ? "Enable" : "Disable"} API key ${k.name}` }, k.disabled ? "Enable" : "Disable");
      const remove = h("button", { type: "button", class: "button small danger-outline", "aria-label": `Delete API key ${k.name}` }, "Delete");
      toggle.addEventListener("click", () =>
        run(() => call("PUT", `${keyPath}/${k.disabled ? "enable" : "disable"}`), k.disabled ? `Enabled the API key ${k.name}.` : `Disabled the API key ${k.name}: it logs in no more.`),
      );
      remove.addEventListener("click", async () => {
        const ok = await confirmDialog({
          title: `Delete API key ${k.name}?`,
          message: `The key ${k.name} (${k._id}) and its server user are deleted, with the user's sessions. Anything logging in with it stops working.`,
          confirmLabel: "Delete API Key",
        });
        if (ok) await run(() => call("DELETE", keyPath), `Deleted the API key ${k.name}.`);
      });
      return h(
        "tr",
        {},
        h("td", { class: "wrap" }, k.name),
        h("td", {}, h("a", { href: usersHref(ctx, k.user_id || k._id), class: "mono-link", "aria-label": `Server user of ${k.name}` }, k._id)),
        h("td", {}, stateBadge(k.disabled)),
        h("td", { class: "actions" }, toggle, " ", remove),
      );
    });
    replace(listSlot, dataTable({ caption: "Server API keys", columns: ["Name", "Key ID (its user)", "State", null], rows }));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    name.setError("");
    const value = name.control.value.trim();
    if (!value || value.length > 128) {
      name.setError("Enter a name of 1 to 128 characters.");
      name.control.focus();
      return;
    }
    create.disabled = true;
    try {
      const made = await call("POST", appPath(appId, "/api_keys"), { name: value });
      name.control.value = "";
      replace(message);
      await load();
      showNewKey(made);
    } catch (err) {
      name.setError(err.message);
      name.control.focus();
    } finally {
      create.disabled = false;
    }
  });
  await load();
}

/** The new key, once: a read-only field to copy from. */
function showNewKey(made) {
  const key = field({
    label: "API key",
    key: "new-api-key",
    control: input({ readonly: true, value: made.key, class: "mono" }),
    hint: "Copy it now: guestpass shows it only this once and keeps only its hash.",
  });
  const status = h("div", { "aria-live": "polite" });
  const copy = h("button", { type: "button", class: "button" }, "Copy");
  const done = h("button", { type: "button", class: "button primary" }, "Done");
  const d = openDialog({
    title: `API key ${made.name} created`,
    body: [key.element, status],
    actions: [copy, done],
  });
  copy.addEventListener("click", async () => {
    key.control.select();
    try {
      await navigator.clipboard.writeText(made.key);
      replace(status, statusLine("Copied to the clipboard.", "success"));
    } catch {
      replace(status, statusLine("The key is selected: press Ctrl+C (or ⌘C) to copy it.", "info"));
    }
  });
  done.addEventListener("click", () => d.close());
  key.control.focus();
  key.control.select();
}
