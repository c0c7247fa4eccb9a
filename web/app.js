// app.js: the admin UI's entry point: hash routes (#/apps/...), the page
// shell (top bar, per-app sidebar, draft banner), and sign-in when there is
// no session. Everything it shows comes from the Admin API (api.js).
import { appPath, call, logOut, onSignedOut, session } from "./api.js";
import { renderDraftBanner } from "./draft.js";
import { h, replace, statusLine } from "./dom.js";
import { renderApps } from "./pages/apps.js";
import { renderDeployment } from "./pages/deployment.js";
import { renderLogs } from "./pages/logs.js";
import { renderProviderList, renderProviderPage } from "./pages/providers.js";
import { renderSettings } from "./pages/settings.js";
import { renderSignIn } from "./pages/signin.js";
import { renderUsers } from "./pages/users.js";

const root = document.getElementById("root");

// The sections of an app, in sidebar order.
const SECTIONS = [
  { path: "auth", label: "Authentication" },
  { path: "users", label: "Users" },
  { path: "settings", label: "App Settings" },
  { path: "deploy", label: "Deployment" },
  { path: "logs", label: "Logs" },
];

function currentPath() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
  return hash.startsWith("/") ? hash : "/apps";
}

function topBar(crumbs) {
  const current = session();
  const out = h("button", { type: "button", class: "button small ghost" }, "Log Out");
  out.addEventListener("click", async () => {
    await logOut();
    location.hash = "#/apps";
    render();
  });
  return h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "#/apps" }, h("span", { class: "brand-logo", "aria-hidden": "true" }), "guestpass"),
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, crumbs),
    h("div", { class: "topbar-user" }, current ? h("span", { class: "muted" }, current.username || "admin") : null, out),
  );
}

function focusHeading(main) {
  const heading = main.querySelector("h1");
  if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
}

let renderCount = 0;

async function renderAppsPage() {
  const main = h("main", { id: "main", class: "main main-full" });
  root.replaceChildren(topBar([h("span", { "aria-current": "page" }, "Apps")]), h("div", { class: "layout-full" }, main));
  await renderApps(main);
}

async function renderAppPage(appId, section, rest) {
  const bannerSlot = h("div", { class: "banner-slot" });
  const main = h("main", { id: "main", class: "main" }, h("p", { class: "muted" }, "Loading…"));
  const sidebar = h("nav", { class: "sidebar", "aria-label": "App sections" });
  const crumbs = h("span", {}, h("a", { href: "#/apps" }, "Apps"));
  root.replaceChildren(topBar([crumbs]), bannerSlot, h("div", { class: "layout" }, sidebar, main));

  let app;
  try {
    app = await call("GET", appPath(appId));
  } catch (err) {
    replace(main, h("h1", { tabindex: "-1" }, "App not found"), statusLine(err.message, "error"), h("p", {}, h("a", { href: "#/apps" }, "Back to the apps")));
    return;
  }
  replace(crumbs, h("a", { href: "#/apps" }, "Apps"), h("span", { class: "crumb-sep", "aria-hidden": "true" }, "/"), h("span", { "aria-current": "page" }, app.name));
  replace(
    sidebar,
    h("p", { class: "sidebar-app" }, h("span", { class: "sidebar-app-name" }, app.name), h("code", { class: "sidebar-app-id" }, app.client_app_id)),
    h(
      "ul",
      {},
      SECTIONS.map((s) =>
        h(
          "li",
          {},
          h("a", { href: `#/apps/${encodeURIComponent(appId)}/${s.path}`, "aria-current": s.path === section ? "page" : false }, s.label),
        ),
      ),
    ),
  );

  const ctx = {
    app,
    refreshBanner: () => renderDraftBanner(bannerSlot, app, () => render()),
  };
  ctx.refreshBanner();
  if (section === "auth" && rest) await renderProviderPage(main, ctx, rest);
  else if (section === "auth") await renderProviderList(main, ctx);
  else if (section === "users") await renderUsers(main, ctx, rest);
  else if (section === "settings") await renderSettings(main, ctx, rest);
  else if (section === "deploy") await renderDeployment(main, ctx);
  else if (section === "logs") await renderLogs(main, ctx);
  else replace(main, h("h1", { tabindex: "-1" }, "Page not found"), h("p", {}, h("a", { href: `#/apps/${encodeURIComponent(appId)}/auth` }, "Go to Authentication")));
}

/** Draws the page for the current hash (or sign-in, keeping the hash). */
export async function render(notice = "") {
  renderCount += 1;
  const mine = renderCount;
  document.querySelectorAll("dialog").forEach((d) => d.remove());
  if (!session()) {
    renderSignIn(root, { notice, done: () => render() });
    return;
  }
  const path = currentPath();
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "apps" && parts.length >= 2) {
      await renderAppPage(parts[1], parts[2] || "auth", parts[3] || "");
    } else {
      if (path !== "/apps") history.replaceState(null, "", "#/apps");
      await renderAppsPage();
    }
  } catch (err) {
    if (err && err.name === "SignedOut") return; // sign-in is shown already
    if (!(err && err.name === "ApiError")) throw err;
    const main = root.querySelector("main");
    if (main) main.appendChild(statusLine(err.message, "error"));
  }
  if (mine === renderCount) {
    const main = root.querySelector("main");
    if (main) focusHeading(main);
    document.title = `${(root.querySelector("main h1") || {}).textContent || "Apps"} · guestpass admin`;
  }
}

onSignedOut((message) => render(message));
window.addEventListener("hashchange", () => render());
render();
