// dom.js: building the page from data without ever parsing it as HTML.
// h() sets text with textContent and attributes with setAttribute, so a user's
// email or device name containing markup shows as text, never as markup.

/**
 * h("button", {class: "primary", onclick: fn}, "Save") -> <button>.
 * Attributes: "class", "for", aria-*, data-*, any other attribute as a string;
 * on* keys add event listeners; true adds an empty attribute, false/null/undefined
 * leave it out. Children: strings (text), nodes, arrays, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix = "gp") {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * "2024-05-01 14:03" in the browser's time zone, from seconds or an ISO
 * string; with `seconds`, "2024-05-01 14:03:07".
 */
export function formatTime(value, { seconds = false } = {}) {
  if (value === null || value === undefined || value === "" || value === 0) return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, "0");
  const minutes = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return seconds ? `${minutes}:${pad(date.getSeconds())}` : minutes;
}

/** The creation time (seconds) an ObjectId carries in its first four bytes. */
export function objectIdSeconds(id) {
  return /^[0-9a-f]{24}$/i.test(id || "") ? parseInt(id.slice(0, 8), 16) : 0;
}

/** A line of status text, announced politely to screen readers. */
export function statusLine(text, kind = "info") {
  return h("p", { class: `status status-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}
