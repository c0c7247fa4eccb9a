// list.js: what the list pages share (apps, secrets, users, pending
// registrations, API keys, deployments, logs): a table with a caption for
// screen readers and column headings, loading a list with a failure said in
// words in the list's place, and running a row's action (its outcome said in
// words, the list drawn again, focus moved to the words because the button
// pressed was drawn again).
import { h, replace, statusLine } from "./dom.js";

/**
 * A table of `rows` (tr elements). `columns`: heading texts; null is the
 * actions column, whose heading only screen readers hear ("Actions").
 */
export function dataTable({ caption, columns, rows, className = "table keep-columns" }) {
  return h(
    "table",
    { class: className },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c === null ? h("span", { class: "visually-hidden" }, "Actions") : c)))),
    h("tbody", {}, rows),
  );
}

/**
 * Awaits `fetch()` for the list shown in `slot`. Returns its items (an
 * array, maybe empty), or null after saying in `slot` why it could not load
 * ("Could not load the <what>: <the server's words>").
 */
export async function loadList(slot, what, fetch) {
  try {
    return (await fetch()) || [];
  } catch (err) {
    replace(slot, statusLine(`Could not load the ${what}: ${err.message}`, "error"));
    return null;
  }
}

/** Shows `text` in `slot` in place of an empty list. */
export function showEmpty(slot, text) {
  replace(slot, h("p", { class: "pad" }, text));
}

/**
 * run(fn, text): awaits fn(), says `text` (or the error's words) in
 * `message`, then awaits reload() and moves the focus to the words.
 */
export function actionRunner(message, reload) {
  return async (fn, text) => {
    try {
      await fn();
      replace(message, statusLine(text, "success"));
    } catch (err) {
      replace(message, statusLine(err.message, "error"));
    }
    await reload();
    message.setAttribute("tabindex", "-1");
    message.focus();
  };
}
