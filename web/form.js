// form.js: labelled form controls with a hint and an error line, shared by
// the pages' forms. The error is part of the control's description, so a
// screen reader reads it with the control.
import { h, uid } from "./dom.js";

/**
 * Wraps `control` (an input, select or textarea) with its label, an optional
 * hint and an error line. Returns {element, control, setError(text)}.
 * `inline` puts a checkbox before its label.
 */
export function field({ label, control, hint = "", key = "field", inline = false }) {
  const id = control.id || uid(key);
  control.id = id;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  control.setAttribute("aria-describedby", hint ? `${hintId} ${errorId}` : errorId);
  const error = h("p", { class: "field-error", id: errorId });
  const labelEl = h("label", { for: id }, label);
  // An edit answers the problem shown: the next check says whether it did.
  control.addEventListener("input", () => {
    error.textContent = "";
    control.removeAttribute("aria-invalid");
  });
  const element = h(
    "div",
    { class: "field" },
    inline ? h("div", { class: "checkbox-row" }, control, labelEl) : [labelEl, control],
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    error,
  );
  return {
    element,
    control,
    setError(text) {
      error.textContent = text || "";
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

/** An <input> with attributes; spellcheck and autocomplete off unless given. */
export function input(attrs = {}) {
  return h("input", { autocomplete: "off", spellcheck: "false", ...attrs });
}

/** A <select> of [value, text] pairs with `selected` chosen. */
export function select(options, selected = "", attrs = {}) {
  return h(
    "select",
    attrs,
    options.map(([value, text]) => h("option", { value, selected: value === selected }, text)),
  );
}

/** Focuses the first control marked invalid inside `root`; true if there was one. */
export function focusFirstInvalid(root) {
  const bad = root.querySelector('[aria-invalid="true"]');
  if (bad) bad.focus();
  return Boolean(bad);
}
