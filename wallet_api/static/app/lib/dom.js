// Small DOM helpers for the views: elements are built with createElement and textContent only
// (never innerHTML with data), so nothing a server or another person wrote can run as code.

/** el("button", {type: "button", class: "primary", onclick: fn}, "text", child, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The view's heading: an h1 the shell focuses after each navigation. */
export function heading(text) {
  return el("h1", { tabindex: "-1", class: "view-title" }, text);
}

/** A labelled form field: returns {wrap, input}. */
export function field(id, label, attrs = {}, hint = null) {
  const hintId = hint ? id + "-hint" : null;
  const input = el(attrs.tag || "input", { id, name: id, ...attrs, tag: undefined, "aria-describedby": hintId });
  const wrap = el("p", { class: "field" }, el("label", { for: id }, label), hint ? el("span", { id: hintId, class: "hint" }, hint) : null, input);
  return { wrap, input };
}

/** A status line for a view's own messages (errors stay next to what they concern). */
export function notice(kind, text) {
  return el("p", { class: "notice " + kind, role: kind === "error" ? "alert" : "status" }, text);
}

/** Ask for a confirmation inside the page (a <dialog>), keyboard-usable; resolves true/false. */
export function confirmDialog(message, yes, no) {
  return new Promise((resolve) => {
    const yesButton = el("button", { type: "button", class: "danger" }, yes);
    const noButton = el("button", { type: "button" }, no);
    const text = el("p", { id: "confirm-text" }, message);
    const dialog = el("dialog", { "aria-labelledby": "confirm-text", class: "confirm" }, text, el("p", { class: "actions" }, noButton, yesButton));
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yesButton.addEventListener("click", () => done(true));
    noButton.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    noButton.focus();
  });
}

/** Bytes as people read them: "1,2 MB" / "1.2 MB". */
export function formatSize(bytes, lang) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(value) : value.toFixed(1);
  return (lang === "vi" ? text.replace(".", ",") : text) + " " + units[unit];
}

/** Save a Blob under a file name (a temporary link; the object URL is revoked afterwards). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name || "tai-lieu" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
