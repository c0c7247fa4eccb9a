// unavailable.js: an honest page for sections the UI does not have yet.
import { h } from "../dom.js";

export function renderUnavailable(main, { title, what, instead }) {
  main.replaceChildren(
    h("h1", { tabindex: "-1" }, title),
    h(
      "div",
      { class: "card" },
      h("p", {}, h("strong", {}, `${title} is not available in the web UI yet.`), ` ${what}`),
      instead ? h("p", { class: "muted" }, instead) : null,
    ),
  );
}
