// Placeholder while the view is built.
import { heading } from "../lib/dom.js";

export const texts = { vi: { title: "devices" }, en: { title: "devices" } };

export async function render(root, ctx) {
  root.append(heading(ctx.t(texts, "title")));
}
