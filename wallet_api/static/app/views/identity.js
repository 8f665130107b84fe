// The identity QR: a pre-signed batch (24 h of 2-minute codes) fetched while online and kept in
// IndexedDB, so the current code shows with no network at all. Full screen on request, with a hint
// to turn the brightness up; the code changes by itself when its window ends.
import { el, heading, notice } from "../lib/dom.js";
import qrcode from "../vendor/qrcode.mjs";
import { formatTime } from "../app.js";

export const texts = {
  vi: {
    title: "Mã QR định danh",
    intro: "Đưa mã này cho người cần kiểm tra danh tính của bạn. Mã dùng được cả khi không có mạng.",
    brightness: "Hãy tăng độ sáng màn hình lên mức cao nhất để máy quét đọc mã dễ hơn.",
    full: "Hiện toàn màn hình",
    close: "Đóng toàn màn hình",
    alt: "Mã QR định danh của {name}",
    altNoName: "Mã QR định danh của bạn",
    changes: "Mã tự đổi lúc {time}.",
    until: "Có mã dùng được đến {when}.",
    fetching: "Đang lấy mã mới…",
    noBatch: "Chưa có mã nào lưu trên thiết bị này. Cần có mạng một lần để lấy mã (dùng được 24 giờ).",
    spent: "Các mã đã lưu đã hết hạn. Cần có mạng để lấy mã mới.",
    shown: "Mã QR đã sẵn sàng.",
    refresh: "Lấy mã mới",
    offline: "Bạn đang ngoại tuyến: mã này lấy từ thiết bị.",
  },
  en: {
    title: "Identity QR code",
    intro: "Show this code to whoever needs to check who you are. It works even with no network.",
    brightness: "Turn your screen brightness all the way up so the scanner reads the code easily.",
    full: "Show full screen",
    close: "Close full screen",
    alt: "Identity QR code of {name}",
    altNoName: "Your identity QR code",
    changes: "The code changes by itself at {time}.",
    until: "Codes are ready until {when}.",
    fetching: "Getting new codes…",
    noBatch: "No code is saved on this device yet. The network is needed once to get codes (they last 24 hours).",
    spent: "The saved codes have expired. The network is needed to get new ones.",
    shown: "The QR code is ready.",
    refresh: "Get new codes",
    offline: "You are offline: this code comes from this device.",
  },
};

const BATCH_KEY = "identity-batch";
const TOP_UP = 12 * 3600; // fetch a fresh batch once less than this is left (and the network is there)

const nowSeconds = () => Math.floor(Date.now() / 1000);

function current(batch, now) {
  return batch ? batch.tokens.find((t) => t.not_before <= now && now < t.expires) || null : null;
}

/** The QR symbol of `payload` (base64 bytes) as a canvas: byte mode, level M, 4-module quiet zone. */
export function drawQr(payload, label) {
  const binary = atob(payload);
  const code = qrcode(0, "M");
  code.addData(binary, "Byte");
  code.make();
  const modules = code.getModuleCount();
  const border = 4;
  const scale = Math.max(4, Math.ceil(640 / (modules + 2 * border)));
  const size = (modules + 2 * border) * scale;
  const canvas = el("canvas", { width: size, height: size, role: "img", "aria-label": label, id: "identity-qr" });
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#000000";
  for (let y = 0; y < modules; y += 1) {
    for (let x = 0; x < modules; x += 1) {
      if (code.isDark(y, x)) g.fillRect((x + border) * scale, (y + border) * scale, scale, scale);
    }
  }
  return canvas;
}

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const started = performance.now();
  const status = el("div", { id: "identity-status" });
  const box = el("div", { class: "qr-box", id: "qr-box" });
  const changes = el("p", { class: "meta", id: "qr-changes" });
  const fullButton = el("button", { type: "button", class: "primary", id: "qr-full" }, tr("full"));
  const refreshButton = el("button", { type: "button", id: "qr-refresh" }, tr("refresh"));
  const screen = el("div", { class: "qr-screen", id: "qr-screen" }, box, el("p", { class: "notice warn", id: "brightness" }, tr("brightness")), changes, el("p", { class: "actions" }, fullButton, refreshButton));
  root.append(heading(tr("title")), status, screen, el("p", {}, tr("intro")));

  let batch = await ctx.store.get(BATCH_KEY);
  let timer = null;
  let wakeLock = null;
  const name = ctx.citizen && ctx.citizen.full_name;

  function show() {
    clearTimeout(timer);
    const now = nowSeconds();
    const token = current(batch, now);
    if (!token) {
      box.replaceChildren();
      changes.textContent = "";
      fullButton.disabled = true;
      const message = batch ? tr("spent") : tr("noBatch");
      status.replaceChildren(notice("warn", message));
      return false;
    }
    fullButton.disabled = false;
    box.replaceChildren(drawQr(token.payload, name ? tr("alt", { name }) : tr("altNoName")));
    const last = batch.tokens[batch.tokens.length - 1];
    changes.textContent = `${tr("changes", { time: formatTime(token.expires) })} ${tr("until", { when: ctx.formatDateTime(last.expires) })}`;
    document.documentElement.dataset.qrShown = String(token.not_before);
    timer = setTimeout(() => {
      if (root.isConnected) show();
    }, Math.max(1000, (token.expires - now) * 1000));
    return true;
  }

  async function fetchBatch() {
    status.replaceChildren(notice("info", tr("fetching")));
    const fresh = await ctx.api.post("/v1/me/identity-qr", {});
    batch = { tokens: fresh.tokens, fetched_at: nowSeconds() };
    await ctx.store.set(BATCH_KEY, batch);
    status.replaceChildren();
  }

  const shownNow = show();
  if (shownNow) {
    performance.measure("identity-qr", { start: started });
    ctx.announce(tr("shown"));
    if (!ctx.online()) status.replaceChildren(notice("info", tr("offline")));
  }
  const left = batch && batch.tokens.length ? batch.tokens[batch.tokens.length - 1].expires - nowSeconds() : 0;
  if (ctx.online() && left < TOP_UP) {
    try {
      await fetchBatch();
      if (show() && !shownNow) ctx.announce(tr("shown"));
    } catch (error) {
      const message = error.detail || error.title || String(error);
      if (!shownNow) {
        status.replaceChildren(notice("error", message));
        ctx.announce(message, true);
      }
    }
  }

  refreshButton.addEventListener("click", async () => {
    if (!ctx.online()) {
      status.replaceChildren(notice("warn", batch ? tr("offline") : tr("noBatch")));
      ctx.announce(batch ? tr("offline") : tr("noBatch"), true);
      return;
    }
    try {
      await fetchBatch();
      show();
      ctx.announce(tr("shown"));
    } catch (error) {
      const message = error.detail || error.title || String(error);
      status.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  });

  async function enterFull() {
    screen.classList.add("qr-full");
    fullButton.textContent = tr("close");
    try {
      if (screen.requestFullscreen) await screen.requestFullscreen();
    } catch (_) {
      /* the class alone fills the window */
    }
    try {
      if (navigator.wakeLock) wakeLock = await navigator.wakeLock.request("screen");
    } catch (_) {
      wakeLock = null;
    }
    fullButton.focus();
  }

  async function leaveFull() {
    screen.classList.remove("qr-full");
    fullButton.textContent = tr("full");
    if (document.fullscreenElement) await document.exitFullscreen().catch(() => {});
    if (wakeLock) wakeLock.release().catch(() => {});
    wakeLock = null;
  }

  fullButton.addEventListener("click", () => (screen.classList.contains("qr-full") ? leaveFull() : enterFull()));
  screen.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && screen.classList.contains("qr-full")) leaveFull();
  });
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement && screen.classList.contains("qr-full")) leaveFull();
  });
}
