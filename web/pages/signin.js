// signin.js: the sign-in form (an administrator of the Admin API).
import { ApiError, logIn } from "../api.js";
import { h, statusLine } from "../dom.js";

/** Renders the form into `root`; calls `done()` once signed in. `notice` explains why it is shown. */
export function renderSignIn(root, { notice = "", done }) {
  const username = h("input", { id: "signin-username", name: "username", autocomplete: "username", required: true, autocapitalize: "off", spellcheck: "false" });
  const password = h("input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("div", { class: "form-message" }, notice ? statusLine(notice, "info") : null);
  const submit = h("button", { type: "submit", class: "button primary wide" }, "Log In");
  const form = h(
    "form",
    { class: "signin-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "signin-username" }, "Username"), username),
    h("div", { class: "field" }, h("label", { for: "signin-password" }, "Password"), password),
    message,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      message.replaceChildren(statusLine("Enter your username and password.", "error"));
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    message.replaceChildren(statusLine("Logging in…"));
    try {
      await logIn(username.value.trim(), password.value);
      done();
    } catch (err) {
      const text = err instanceof ApiError ? err.message : String(err);
      message.replaceChildren(statusLine(text, "error"));
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.replaceChildren(
    h(
      "main",
      { class: "signin", id: "main" },
      h(
        "div",
        { class: "card signin-card" },
        h("p", { class: "brand-mark" }, "guestpass"),
        h("h1", { class: "signin-title" }, "Log in to the admin console"),
        h("p", { class: "muted" }, "Sign in as an administrator of this server."),
        form,
      ),
    ),
  );
  username.focus();
}
