// Placeholder while the view is built.
import { heading } from "../lib/dom.js";

export const texts = { vi: { title: "credentials" }, en: { title: "credentials" } };

export async function render(root, ctx) {
  root.append(heading(ctx.t(texts, "title")));
}
