// dialog.js: modal dialogs on the native <dialog> element (focus stays inside,
// Escape cancels), named by their heading for screen readers.
import { h, uid } from "./dom.js";

/**
 * Opens a modal. `body` is a node (or nodes); `actions` are buttons placed in
 * the lower right. Returns {dialog, content, actions, close()}; the dialog is
 * removed from the page when closed.
 */
export function openDialog({ title, body, actions = [], wide = false, onClose = () => {} }) {
  const titleId = uid("dialog-title");
  const content = h("div", { class: "dialog-body" }, body);
  const footer = h("div", { class: "dialog-actions" }, actions);
  const dialog = h(
    "dialog",
    { class: wide ? "dialog dialog-wide" : "dialog", "aria-labelledby": titleId },
    h("h2", { id: titleId, class: "dialog-title" }, title),
    content,
    footer,
  );
  document.body.appendChild(dialog);
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose(dialog.returnValue);
  });
  dialog.showModal();
  return { dialog, content, actions: footer, close: (value = "") => dialog.close(value) };
}

/**
 * Asks before something that cannot be undone. Resolves true when the person
 * confirms, false on Cancel or Escape. Focus starts on Cancel, the safe choice.
 */
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    let answer = false;
    const cancel = h("button", { type: "button", class: "button" }, "Cancel");
    const confirm = h("button", { type: "button", class: danger ? "button danger" : "button primary" }, confirmLabel);
    const d = openDialog({
      title,
      body: h("p", {}, message),
      actions: [cancel, confirm],
      onClose: () => resolve(answer),
    });
    cancel.addEventListener("click", () => d.close());
    confirm.addEventListener("click", () => {
      answer = true;
      d.close();
    });
    cancel.focus();
  });
}
