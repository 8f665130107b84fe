// Documents: the list (a page at a time, by type, searched by name), upload with progress (or a
// photo from the camera), open, download, delete with confirmation, export everything. The last
// list seen is kept in IndexedDB so it still opens with no network.
import { confirmDialog, el, formatSize, heading, notice, saveBlob } from "../lib/dom.js";
import { catalog } from "../lib/catalog.js";
import { refresh, stopActing } from "../app.js";

export const texts = {
  vi: {
    title: "Giấy tờ của tôi",
    add: "Thêm giấy tờ",
    type: "Loại giấy tờ",
    file: "Chọn tệp (PDF, ảnh JPG/PNG hoặc JSON)",
    camera: "Hoặc chụp ảnh giấy tờ bằng máy ảnh",
    upload: "Tải lên",
    noFile: "Vui lòng chọn một tệp hoặc chụp một ảnh.",
    uploading: "Đang tải lên: {percent}%",
    uploaded: "Đã tải lên “{name}”.",
    list: "Danh sách giấy tờ",
    filterType: "Lọc theo loại",
    allTypes: "Tất cả các loại",
    search: "Tìm theo tên",
    empty: "Chưa có giấy tờ nào.",
    noMatch: "Không có giấy tờ nào khớp với “{query}”.",
    count: "Đang hiện {shown} giấy tờ.",
    more: "Xem thêm",
    open: "Mở",
    download: "Tải về",
    remove: "Xoá",
    openLabel: "Mở {name}",
    downloadLabel: "Tải về {name}",
    removeLabel: "Xoá {name}",
    confirm: "Xoá “{name}” khỏi ví? Không thể hoàn tác.",
    yes: "Xoá",
    no: "Không xoá",
    removed: "Đã xoá “{name}”.",
    added: "Thêm ngày {date}",
    fromAgency: "Do cơ quan cấp",
    export: "Tải toàn bộ dữ liệu của tôi",
    exportText: "Một tệp nén chứa mọi giấy tờ và thông tin của bạn trong ví.",
    exporting: "Đang chuẩn bị tệp…",
    exported: "Đã tải về toàn bộ dữ liệu.",
    offlineList: "Bạn đang ngoại tuyến. Đây là danh sách lưu lúc {when}.",
    offlineNoList: "Bạn đang ngoại tuyến và chưa có danh sách nào được lưu trên thiết bị này.",
    needsNetwork: "Việc này cần có mạng. Vui lòng thử lại khi có mạng.",
    actingTitle: "Giấy tờ của {name}",
    acting: "Bạn đang làm thay {name} (theo uỷ quyền). Mọi giấy tờ bạn xem ở đây đều được ghi vào nhật ký truy cập của {name}.",
    stopActing: "Quay về giấy tờ của tôi",
    covered: "Được uỷ quyền xem",
    notCovered: "Không có trong uỷ quyền",
    noDocuments: "Uỷ quyền của {name} không bao gồm việc xem giấy tờ.",
  },
  en: {
    title: "My documents",
    add: "Add a document",
    type: "Kind of document",
    file: "Choose a file (PDF, JPG/PNG picture or JSON)",
    camera: "Or take a photo of the document",
    upload: "Upload",
    noFile: "Please choose a file or take a photo.",
    uploading: "Uploading: {percent}%",
    uploaded: "“{name}” uploaded.",
    list: "Your documents",
    filterType: "Show only",
    allTypes: "All kinds",
    search: "Search by name",
    empty: "No documents yet.",
    noMatch: "No document matches “{query}”.",
    count: "Showing {shown} documents.",
    more: "Show more",
    open: "Open",
    download: "Download",
    remove: "Delete",
    openLabel: "Open {name}",
    downloadLabel: "Download {name}",
    removeLabel: "Delete {name}",
    confirm: "Delete “{name}” from your wallet? This cannot be undone.",
    yes: "Delete",
    no: "Keep it",
    removed: "“{name}” deleted.",
    added: "Added {date}",
    fromAgency: "Issued by an agency",
    export: "Download all my data",
    exportText: "One compressed file with every document and detail of yours in the wallet.",
    exporting: "Preparing the file…",
    exported: "All your data has been downloaded.",
    offlineList: "You are offline. This is the list as it was on {when}.",
    offlineNoList: "You are offline and no list has been saved on this device yet.",
    needsNetwork: "This needs the network. Please try again when you are online.",
    actingTitle: "Documents of {name}",
    acting: "You are acting for {name} (under a mandate). Every document you look at here is recorded in {name}'s access log.",
    stopActing: "Back to my documents",
    covered: "Covered by the mandate",
    notCovered: "Not in the mandate",
    noDocuments: "{name}'s mandate does not cover seeing documents.",
  },
};

const ACCEPT = "application/pdf,image/png,image/jpeg,application/json,.pdf,.png,.jpg,.jpeg,.json";
const PAGE = 20;

export async function render(root, ctx) {
  const tr = (key, vars) => ctx.t(texts, key, vars);
  const types = await catalog(ctx);
  const state = { items: [], cursor: null, type: "", query: "", offline: false };
  // Acting for someone under a mandate: their documents of a covered type, read only, every call
  // naming the mandate; nothing of theirs is kept on this device.
  const acting = ctx.acting;
  const api = acting ? ctx.actingApi : ctx.api;
  const typeLabel = (id) => (types[id] ? (ctx.lang === "en" ? types[id].name_en : types[id].name_vi) : id);

  // -- upload ------------------------------------------------------------------------------
  const typeSelect = el(
    "select",
    { id: "upload-type" },
    Object.entries(types).map(([id, entry]) => el("option", { value: id }, ctx.lang === "en" ? entry.name_en : entry.name_vi)),
  );
  typeSelect.value = "other";
  const fileInput = el("input", { type: "file", id: "upload-file", accept: ACCEPT });
  const cameraInput = el("input", { type: "file", id: "upload-camera", accept: "image/*", capture: "environment" });
  const progress = el("progress", { id: "upload-progress", max: "100", value: "0", hidden: true, "aria-label": tr("upload") });
  const progressText = el("p", { id: "upload-progress-text", class: "meta", "aria-live": "off" });
  const uploadStatus = el("div", { id: "upload-status" });
  const uploadButton = el("button", { type: "submit", class: "primary", id: "upload-button" }, tr("upload"));
  const uploadForm = el(
    "form",
    { id: "upload-form", novalidate: true },
    el("p", { class: "field" }, el("label", { for: "upload-type" }, tr("type")), typeSelect),
    el("p", { class: "field" }, el("label", { for: "upload-file" }, tr("file")), fileInput),
    el("p", { class: "field" }, el("label", { for: "upload-camera" }, tr("camera")), cameraInput),
    el("p", { class: "actions" }, uploadButton),
    progress,
    progressText,
    uploadStatus,
  );
  fileInput.addEventListener("change", () => {
    if (fileInput.files.length) cameraInput.value = "";
  });
  cameraInput.addEventListener("change", () => {
    if (cameraInput.files.length) fileInput.value = "";
  });

  uploadForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0] || cameraInput.files[0];
    if (!file) {
      uploadStatus.replaceChildren(notice("error", tr("noFile")));
      ctx.announce(tr("noFile"), true);
      fileInput.focus();
      return;
    }
    if (!ctx.online()) {
      uploadStatus.replaceChildren(notice("warn", tr("needsNetwork")));
      ctx.announce(tr("needsNetwork"), true);
      return; // the chosen file and type stay selected
    }
    const name = (file.name || "anh-chup.jpg").normalize("NFC");
    uploadButton.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    let said = -1;
    const onProgress = (sent, total) => {
      const percent = total ? Math.floor((sent / total) * 100) : 0;
      progress.value = percent;
      progress.setAttribute("aria-valuetext", tr("uploading", { percent }));
      progressText.textContent = tr("uploading", { percent });
      const step = Math.floor(percent / 25);
      if (step > said) {
        said = step;
        ctx.announce(tr("uploading", { percent }));
      }
    };
    try {
      await ctx.api.upload("/v1/me/documents", { type: typeSelect.value, filename: name }, file, onProgress);
      progress.value = 100;
      uploadStatus.replaceChildren(notice("ok", tr("uploaded", { name })));
      ctx.announce(tr("uploaded", { name }));
      fileInput.value = "";
      cameraInput.value = "";
      await reload();
    } catch (error) {
      const message = error.code === "network" ? tr("needsNetwork") : error.detail || error.title || String(error);
      uploadStatus.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    } finally {
      uploadButton.disabled = false;
    }
  });

  // -- list --------------------------------------------------------------------------------
  const filterSelect = acting
    ? el(
        "select",
        { id: "filter-type" },
        el("optgroup", { label: tr("covered") }, acting.documents.map((id) => el("option", { value: id }, typeLabel(id)))),
        el("optgroup", { label: tr("notCovered") }, Object.keys(types).filter((id) => !acting.documents.includes(id)).map((id) => el("option", { value: id }, typeLabel(id)))),
      )
    : el(
        "select",
        { id: "filter-type" },
        el("option", { value: "" }, tr("allTypes")),
        Object.entries(types).map(([id, entry]) => el("option", { value: id }, ctx.lang === "en" ? entry.name_en : entry.name_vi)),
      );
  if (acting) {
    state.type = acting.documents[0] || "";
    filterSelect.value = state.type;
  }
  const searchInput = el("input", { type: "search", id: "search", autocomplete: "off" });
  const listStatus = el("div", { id: "list-status" });
  const list = el("ul", { class: "cards", id: "documents" });
  const count = el("p", { class: "meta", id: "documents-count", role: "status" });
  const more = el("button", { type: "button", id: "more", hidden: true }, tr("more"));

  // Accents and case ignored: "giay khai sinh" finds "Giấy khai sinh.pdf" (typed without Telex too).
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLocaleLowerCase();

  function shown() {
    const query = fold(state.query.trim());
    return state.items.filter((doc) => !query || fold(`${doc.filename} ${doc.type_name}`).includes(query));
  }

  function draw() {
    const items = shown();
    list.replaceChildren(...items.map(card));
    if (!state.items.length) count.textContent = tr("empty");
    else if (!items.length) count.textContent = tr("noMatch", { query: state.query });
    else count.textContent = tr("count", { shown: items.length });
    more.hidden = !state.cursor || state.offline;
  }

  function card(doc) {
    const name = doc.filename || doc.type_name;
    const open = el("button", { type: "button", "aria-label": tr("openLabel", { name }) }, tr("open"));
    const download = el("button", { type: "button", "aria-label": tr("downloadLabel", { name }) }, tr("download"));
    const remove = el("button", { type: "button", class: "danger", "aria-label": tr("removeLabel", { name }) }, tr("remove"));
    open.addEventListener("click", () => fetchContent(doc, true));
    download.addEventListener("click", () => fetchContent(doc, false));
    remove.addEventListener("click", () => removeDoc(doc, remove));
    return el(
      "li",
      { class: "card", dataset: { id: doc.id } },
      el("h3", {}, name),
      el("p", {}, doc.type_name, doc.provenance && doc.provenance !== "uploaded" ? " · " + tr("fromAgency") : ""),
      el("p", { class: "meta" }, tr("added", { date: ctx.formatDate(doc.created_at) }), " · ", formatSize(doc.size, ctx.lang)),
      el("p", { class: "actions" }, open, download, acting ? null : remove),
    );
  }

  function needNetwork() {
    if (ctx.online()) return false;
    listStatus.replaceChildren(notice("warn", tr("needsNetwork")));
    ctx.announce(tr("needsNetwork"), true);
    return true;
  }

  async function fetchContent(doc, openIt) {
    if (needNetwork()) return;
    try {
      const { blob, name } = await api.bytes(`/v1/me/documents/${encodeURIComponent(doc.id)}/content`);
      if (openIt) {
        const url = URL.createObjectURL(blob);
        window.open(url, "_blank", "noopener");
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } else {
        saveBlob(blob, doc.filename || name);
      }
    } catch (error) {
      const message = error.detail || error.title || String(error);
      listStatus.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  }

  async function removeDoc(doc, button) {
    if (needNetwork()) return;
    const name = doc.filename || doc.type_name;
    if (!(await confirmDialog(tr("confirm", { name }), tr("yes"), tr("no")))) {
      button.focus();
      return;
    }
    try {
      await ctx.api.del(`/v1/me/documents/${encodeURIComponent(doc.id)}`);
      state.items = state.items.filter((d) => d.id !== doc.id);
      draw();
      await keep();
      listStatus.replaceChildren(notice("ok", tr("removed", { name })));
      ctx.announce(tr("removed", { name }));
      searchInput.focus();
    } catch (error) {
      const message = error.detail || error.title || String(error);
      listStatus.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  }

  async function keep() {
    if (!state.type && !acting) await ctx.store.set("documents-cache", { items: state.items.slice(0, 200), at: Date.now(), lang: ctx.lang });
  }

  async function loadPage() {
    const page = await api.get("/v1/me/documents", { limit: PAGE, type: state.type, cursor: state.cursor });
    state.items.push(...page.items);
    state.cursor = page.next_cursor || null;
  }

  async function reload() {
    state.items = [];
    state.cursor = null;
    state.offline = false;
    listStatus.replaceChildren();
    try {
      await loadPage();
      await keep();
    } catch (error) {
      if (acting) {
        // The service's refusal (a type the mandate does not cover, a mandate that ended) in words.
        const message = error.code === "network" ? tr("needsNetwork") : error.detail || error.title || String(error);
        listStatus.replaceChildren(notice(error.code === "network" ? "warn" : "error", message));
        ctx.announce(message, true);
        draw();
        return;
      }
      if (error.code !== "network") throw error;
      const cached = await ctx.store.get("documents-cache");
      state.offline = true;
      if (cached) {
        state.items = cached.items.filter((d) => !state.type || d.type === state.type);
        listStatus.replaceChildren(notice("warn", tr("offlineList", { when: ctx.formatDateTime(new Date(cached.at).toISOString()) })));
      } else {
        listStatus.replaceChildren(notice("warn", tr("offlineNoList")));
      }
    }
    draw();
  }

  filterSelect.addEventListener("change", async () => {
    state.type = filterSelect.value;
    await reload();
    ctx.announce(count.textContent);
  });
  searchInput.addEventListener("input", () => {
    state.query = searchInput.value;
    draw();
  });
  more.addEventListener("click", async () => {
    if (needNetwork()) return;
    const before = state.items.length;
    try {
      await loadPage();
      await keep();
      draw();
      const next = list.children[before];
      if (next) next.querySelector("button").focus();
      ctx.announce(count.textContent);
    } catch (error) {
      const message = error.detail || error.title || String(error);
      listStatus.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    }
  });

  // -- export ------------------------------------------------------------------------------
  const exportStatus = el("div", { id: "export-status" });
  const exportButton = el("button", { type: "button", id: "export" }, tr("export"));
  exportButton.addEventListener("click", async () => {
    if (!ctx.online()) {
      exportStatus.replaceChildren(notice("warn", tr("needsNetwork")));
      ctx.announce(tr("needsNetwork"), true);
      return;
    }
    exportButton.disabled = true;
    exportStatus.replaceChildren(notice("info", tr("exporting")));
    try {
      const { blob, name } = await ctx.api.bytes("/v1/me/export");
      saveBlob(blob, name || "vi-du-lieu.zip");
      exportStatus.replaceChildren(notice("ok", tr("exported")));
      ctx.announce(tr("exported"));
    } catch (error) {
      const message = error.detail || error.title || String(error);
      exportStatus.replaceChildren(notice("error", message));
      ctx.announce(message, true);
    } finally {
      exportButton.disabled = false;
    }
  });

  let banner = null;
  if (acting) {
    const back = el("button", { type: "button", id: "stop-acting" }, tr("stopActing"));
    back.addEventListener("click", async () => {
      await stopActing();
      await refresh();
    });
    banner = el("section", { class: "notice warn", id: "acting-banner", "aria-label": tr("acting", { name: acting.name }) },
      el("p", {}, tr("acting", { name: acting.name })), el("p", { class: "actions" }, back));
  }
  const parts = [
    heading(acting ? tr("actingTitle", { name: acting.name }) : tr("title")),
    banner,
    acting ? null : el("section", { "aria-labelledby": "add-title" }, el("h2", { id: "add-title" }, tr("add")), uploadForm),
    el(
      "section",
      { "aria-labelledby": "list-title" },
      el("h2", { id: "list-title" }, acting ? tr("actingTitle", { name: acting.name }) : tr("list")),
      el(
        "div",
        { class: "filters" },
        el("p", { class: "field" }, el("label", { for: "filter-type" }, tr("filterType")), filterSelect),
        el("p", { class: "field" }, el("label", { for: "search" }, tr("search")), searchInput),
      ),
      listStatus,
      count,
      list,
      el("p", { class: "actions" }, more),
    ),
    acting ? null : el("section", { "aria-labelledby": "export-title" }, el("h2", { id: "export-title" }, tr("export")), el("p", {}, tr("exportText")), el("p", { class: "actions" }, exportButton), exportStatus),
  ];
  root.append(...parts.filter(Boolean));
  if (acting && !acting.documents.length) {
    // A mandate for answering requests only: nothing to list (the service would refuse it).
    listStatus.replaceChildren(notice("warn", tr("noDocuments", { name: acting.name })));
    return;
  }
  await reload();
}
