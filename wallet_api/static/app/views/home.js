// Home: who is signed in, and the main tasks one tap away.
import { el, heading } from "../lib/dom.js";

export const texts = {
  vi: {
    title: "Xin chào",
    hello: "Xin chào, {name}",
    tasks: "Bạn muốn làm gì?",
    documents: "Giấy tờ của tôi",
    credentials: "Chứng nhận của tôi",
    identity: "Mã QR định danh",
    consents: "Yêu cầu chia sẻ dữ liệu",
    present: "Trình giấy tờ bằng mã QR",
    log: "Ai đã xem dữ liệu của tôi",
    devices: "Thiết bị của tôi",
  },
  en: {
    title: "Hello",
    hello: "Hello, {name}",
    tasks: "What would you like to do?",
    documents: "My documents",
    credentials: "My certificates",
    identity: "Identity QR code",
    consents: "Requests to share data",
    present: "Show a certificate as a QR code",
    log: "Who looked at my data",
    devices: "My devices",
  },
};

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const name = ctx.citizen && ctx.citizen.full_name;
  const tiles = ["identity", "documents", "credentials", "consents", "present", "log", "devices"].map((view) =>
    el("li", {}, el("a", { href: "#/" + view }, tr(view))),
  );
  root.append(heading(name ? tr("hello", { name }) : tr("title")), el("h2", {}, tr("tasks")), el("ul", { class: "tiles" }, tiles));
}
