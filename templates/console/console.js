// The clerk console: a client of motcua's JSON API, like the portal. No rule lives here; the page
// shows what the API answers and sends what the clerk decides. Data goes into the page as text
// (never as HTML), and nothing personal goes into the address bar: only a dossier's opaque id.
"use strict";

(() => {
  const API = new URL("../", window.location.href); // /console/ → the API's root (with any stage prefix)
  const REFRESH_MS = 30000;
  const FIELD_TITLES = {
    si_number: "Mã số BHXH", full_name: "Họ và tên", date_of_birth: "Ngày sinh",
    id_number: "Số CCCD/CMND", period_from: "Từ ngày", period_to: "Đến ngày",
  };
  const ROLE_TITLES = { clerk: "Cán bộ một cửa", authority: "Cơ quan giải quyết", admin: "Quản trị", portal: "Cổng DVC" };
  const RESULT_TITLES = { approved: "Chấp thuận", denied: "Không chấp thuận" };

  const state = {
    config: null, procedures: null, token: null, claims: null,
    filters: { status: "", procedure: "", overdue: false, q: "" },
    cursors: [null], page: 0, next: null, timer: null, current: null,
  };
  const $ = (id) => document.getElementById(id);

  // -- small DOM helpers ------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const svg = (tag, attrs) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  };
  const show = (id, visible) => { $(id).hidden = !visible; };
  const date = (iso) => (iso ? new Date(iso.length === 10 ? iso + "T00:00:00+07:00" : iso).toLocaleDateString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—");
  const time = (iso) => (iso ? new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—");
  const money = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("vi-VN") + " đồng");
  const statusTitle = (s) => (state.config && state.config.statuses[s]) || s;
  const procedureTitle = (p) => (state.procedures && state.procedures[p]) || p;

  function notify(text, kind) {
    const box = $("notice");
    box.textContent = text;
    box.className = "notice" + (kind === "error" ? " error" : "");
    box.hidden = !text;
  }

  // -- the API ------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || `Lỗi ${status}`);
      this.status = status;
      this.code = error.code || String(status);
      this.english = error.message_en || "";
    }
  }

  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(new URL(path, API), {
        method: options.method || "GET", headers, cache: "no-store", credentials: "omit",
        body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
      });
    } catch (err) {
      throw new ApiError(0, { error: { message: "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.", message_en: String(err) } });
    }
    const body = (response.headers.get("content-type") || "").includes("json") ? await response.json().catch(() => null) : null;
    if (response.status === 401) {
      signOut("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.");
      throw new ApiError(401, body);
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function failed(err) {
    if (err.status === 401) return;
    notify(err.message + (err.english ? ` (${err.english})` : ""), "error");
  }

  // -- signing in ---------------------------------------------------------------------------------
  function claimsOf(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const text = decodeURIComponent(Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
      const claims = JSON.parse(text);
      return { role: claims.role || claims["custom:role"], office: claims.office || claims["custom:office"], exp: claims.exp, nonce: claims.nonce };
    } catch (err) {
      return null;
    }
  }

  function useToken(token) {
    const claims = claimsOf(token.trim());
    if (!claims || !claims.role) {
      $("signin-error").textContent = "Mã đăng nhập không đúng định dạng.";
      show("signin-error", true);
      return false;
    }
    if (claims.exp && claims.exp * 1000 < Date.now()) {
      $("signin-error").textContent = "Mã đăng nhập đã hết hạn. Hãy lấy mã mới.";
      show("signin-error", true);
      return false;
    }
    state.token = token.trim();
    state.claims = claims;
    sessionStorage.setItem("motcua.token", state.token);
    show("signin-error", false);
    return true;
  }

  function signOut(message) {
    state.token = null;
    state.claims = null;
    sessionStorage.removeItem("motcua.token");
    clearInterval(state.timer);
    notify(message || "", message ? "error" : "");
    route();
  }

  function showSignIn() {
    for (const id of ["worklist", "dossier", "who"]) show(id, false);
    show("signin", true);
    const oauth = state.config && state.config.oauth;
    show("signin-oauth", Boolean(oauth));
    show("signin-token", state.config && state.config.auth === "local");
  }

  // The authorization-code flow with PKCE (S256), `state` and `nonce`: the page keeps the verifier,
  // state and nonce of its one pending request in sessionStorage, sends only the challenge, takes the
  // code from the address bar at once, spends it once at the token endpoint with the verifier, and
  // keeps the tokens only when the ID token carries the request's nonce; the API is called with the
  // access token. No token ever travels in a URL.
  const PENDING = "motcua.signin";
  const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));
  const returnAddress = () => window.location.origin + window.location.pathname;

  async function beginSignIn() {
    const oauth = state.config.oauth;
    const verifier = random(32);
    const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
    const pending = { state: random(24), nonce: random(24), verifier, redirect: returnAddress() };
    sessionStorage.setItem(PENDING, JSON.stringify(pending));
    const url = new URL(oauth.authorize, API);
    url.search = new URLSearchParams({
      response_type: "code", client_id: oauth.client_id, redirect_uri: pending.redirect, scope: oauth.scope,
      state: pending.state, nonce: pending.nonce, code_challenge: challenge, code_challenge_method: "S256",
    }).toString();
    window.location.assign(url.toString());
  }

  function signInFailed(message) {
    $("signin-error").textContent = message;
    show("signin-error", true);
  }

  /** Back from the authorize endpoint with `?code=…&state=…` (or `?error=…`, taken from the address
   * bar by `start` at once): the pending request is used up whatever happens next, so nothing can be replayed. */
  async function finishSignIn(query) {
    if (!query.has("code") && !query.has("error")) return;
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
    sessionStorage.removeItem(PENDING);
    if (!pending || !query.get("state") || query.get("state") !== pending.state) {
      return signInFailed("Yêu cầu đăng nhập không khớp (state). Hãy đăng nhập lại từ trang này.");
    }
    if (query.has("error")) return signInFailed(`Đăng nhập không thành công (${query.get("error")}).`);
    const oauth = state.config.oauth;
    let answer = null;
    try {
      const response = await fetch(new URL(oauth.token, API), {
        method: "POST", cache: "no-store", credentials: "omit",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({
          grant_type: "authorization_code", client_id: oauth.client_id, code: query.get("code"),
          redirect_uri: pending.redirect, code_verifier: pending.verifier,
        }).toString(),
      });
      answer = await response.json().catch(() => null);
      if (!response.ok || !answer || !answer.id_token || !answer.access_token) {
        return signInFailed(`Máy chủ đăng nhập từ chối mã (${(answer && answer.error) || response.status}). Hãy đăng nhập lại.`);
      }
    } catch (err) {
      return signInFailed("Không kết nối được máy chủ đăng nhập. Kiểm tra mạng rồi thử lại.");
    }
    const claims = claimsOf(answer.id_token);
    if (!claims || claims.nonce !== pending.nonce) {
      return signInFailed("Mã đăng nhập không phải của yêu cầu này (nonce). Hãy đăng nhập lại.");
    }
    // The API wants the access token (scope motcua/staff: what the routes want, the portal's too).
    useToken(answer.access_token);
  }

  // -- routing: #/ is the worklist, #/ho-so/<id> a dossier ---------------------------------------
  function route() {
    if (!state.token) return showSignIn();
    show("signin", false);
    show("who", true);
    $("who-label").textContent = `${ROLE_TITLES[state.claims.role] || state.claims.role}${state.claims.office ? " · BHXH tỉnh " + state.claims.office : ""}`;
    const match = window.location.hash.match(/^#\/ho-so\/([A-Za-z0-9_-]{1,64})$/);
    if (match) openDossier(match[1]);
    else openWorklist();
  }

  // -- the worklist -------------------------------------------------------------------------------
  function fillSelect(select, options) {
    for (const [value, title] of Object.entries(options)) select.append(el("option", { value }, title));
  }

  function worklistQuery() {
    const query = new URLSearchParams({ limit: "20" });
    const f = state.filters;
    if (f.status) query.set("status", f.status);
    if (f.procedure) query.set("procedure", f.procedure);
    if (f.overdue) query.set("overdue", "true");
    if (f.q) query.set("q", f.q);
    const cursor = state.cursors[state.page];
    if (cursor) query.set("next", cursor);
    return query;
  }

  async function loadWorklist() {
    try {
      const page = await api("v1/dossiers?" + worklistQuery().toString());
      renderRows(page.items);
      state.next = page.next;
      $("prev").disabled = state.page === 0;
      $("next").disabled = !page.next;
      $("page-label").textContent = `Trang ${state.page + 1}`;
      $("refreshed").textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN");
      if (!$("notice").classList.contains("error")) notify("");
    } catch (err) {
      failed(err);
    }
  }

  function renderRows(items) {
    const rows = $("rows");
    rows.replaceChildren(
      ...items.map((d) =>
        el("tr", { class: d.overdue ? "overdue" : null, "data-id": d.id },
          el("td", {}, el("a", { href: `#/ho-so/${d.id}`, class: "code" }, d.portal_code)),
          el("td", {}, procedureTitle(d.procedure)),
          el("td", {}, d.applicant_name, d.unit_code ? el("div", { class: "muted code" }, d.unit_code) : null),
          el("td", {},
            el("span", { class: "badge" }, statusTitle(d.status)), " ",
            d.overdue ? el("span", { class: "badge late" }, "Quá hạn") : null, " ",
            d.attention ? el("span", { class: "badge attention", title: d.attention }, "Cần xem") : null, " ",
            d.escalation ? el("span", { class: "badge late", title: d.escalation }, "Báo lãnh đạo") : null),
          el("td", {}, date(d.received_at)),
          el("td", {}, date(d.due_date), d.bhxh_due_date ? el("div", { class: "muted" }, "BHXH: " + date(d.bhxh_due_date)) : null))));
    show("empty", items.length === 0);
  }

  async function loadStats() {
    if (!["clerk", "admin"].includes(state.claims.role)) return show("stats", false);
    try {
      const stats = await api("v1/stats");
      renderCharts(stats.rows, stats.bodies);
      show("stats", stats.rows.length > 0);
    } catch (err) {
      failed(err);
    }
  }

  /** One small stacked-bar chart per procedure and body (BHXH office, authority): each step against
   * its own deadline, per week the step began: on time, late, still open. */
  function renderCharts(rows, bodies) {
    const byProcedure = new Map();
    for (const row of rows) {
      const key = `${row.procedure}\u0000${row.body}`;
      if (!byProcedure.has(key)) byProcedure.set(key, []);
      byProcedure.get(key).push(row);
    }
    const charts = [];
    for (const [key, weeks] of byProcedure) {
      const [code, body] = key.split("\u0000");
      const procedure = code;
      const bodyName = (bodies || {})[body] || state.config.bodies[body] || body;
      const shown = weeks.slice(-12);
      const top = Math.max(1, ...shown.map((w) => w.received));
      const width = 400, height = 150, left = 28, bottom = 22, barWidth = Math.min(36, (width - left) / shown.length - 6);
      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": `${procedureTitle(procedure)}, ${bodyName}: số bước đúng hạn, trễ hạn và đang giải quyết theo tuần` });
      chart.append(Object.assign(svg("text", { x: 0, y: 12 }), { textContent: String(top) }));
      chart.append(svg("line", { x1: left - 4, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#b8c2cc" }));
      shown.forEach((week, index) => {
        const x = left + index * (barWidth + 6);
        let y = height - bottom;
        for (const part of ["on_time", "late", "open"]) {
          const h = ((height - bottom - 16) * week[part]) / top;
          if (h > 0) {
            y -= h;
            const bar = svg("rect", { x, y, width: barWidth, height: h, class: "bar-" + part.replace("_", "-") });
            bar.append(Object.assign(svg("title"), { textContent: `${week.week}: ${week[part]}` }));
            chart.append(bar);
          }
        }
        chart.append(Object.assign(svg("text", { x, y: height - 6 }), { textContent: week.week.slice(5) }));
      });
      const table = el("table", { class: "list" },
        el("thead", {}, el("tr", {}, ["Tuần", "Nhận", "Đúng hạn", "Trễ hạn", "Đang giải quyết", "Xin lỗi", "Báo lãnh đạo"].map((t) => el("th", {}, t)))),
        el("tbody", {}, shown.map((w) => el("tr", {}, [w.week, w.received, w.on_time, w.late, w.open, w.apologies, w.escalated].map((v) => el("td", {}, v))))));
      charts.push(el("figure", { class: "chart" }, el("h3", {}, procedureTitle(procedure), el("div", { class: "muted" }, bodyName)), chart, el("details", {}, el("summary", {}, "Số liệu"), table)));
    }
    $("charts").replaceChildren(...charts);
  }

  // -- feedback (phản ánh, kiến nghị) ----------------------------------------------------------------
  async function loadFeedback() {
    if (!["clerk", "admin"].includes(state.claims.role) || !state.claims.office) return show("feedback", false);
    try {
      renderFeedback(await api("v1/feedback"));
      show("feedback", true);
    } catch (err) {
      failed(err);
    }
  }

  /** The office's items; an open one has its answer form. Texts go in as text, never as markup. */
  function renderFeedback(list) {
    const c = list.counts;
    $("fb-counts").textContent = `· ${c.open} đang xử lý, ${c.overdue} quá hạn, ${c.answered} đã trả lời`;
    const kinds = state.config.feedback_kinds || {};
    $("fb-rows").replaceChildren(...list.items.map((item) => {
      const answerCell = item.status === "answered"
        ? el("td", {}, item.answer || "", el("div", { class: "muted" }, item.published ? "đã công khai" : "không công khai"))
        : el("td", {}, answerForm(item));
      return el("tr", { class: item.overdue ? "overdue" : null, "data-code": item.code },
        el("td", { class: "code" }, item.code),
        el("td", { class: "code" }, item.portal_code),
        el("td", {}, kinds[item.kind] || item.kind),
        el("td", {}, item.content, item.contact ? el("div", { class: "muted" }, "Liên hệ: " + item.contact) : null),
        el("td", {}, date(item.answer_due), item.overdue ? el("div", {}, el("span", { class: "badge late" }, "Quá hạn")) : null),
        answerCell);
    }));
    show("fb-empty", list.items.length === 0);
  }

  function answerForm(item) {
    const id = `fb-answer-${item.code}`;
    const text = el("textarea", { id, rows: "2", maxlength: "2000", required: "" });
    const publish = el("input", { type: "checkbox", checked: "" });
    const form = el("form", { class: "fb-answer" },
      el("label", { for: id }, "Trả lời"), text,
      el("label", { class: "inline" }, publish, " Công khai trả lời"),
      el("button", { type: "submit", class: "primary" }, "Gửi trả lời"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api(`v1/feedback/${encodeURIComponent(item.code)}/answer`, { method: "POST", json: { answer: text.value, publish: publish.checked } });
        notify("Đã gửi trả lời phản ánh " + item.code + ".");
        loadFeedback();
      } catch (err) {
        failed(err);
      }
    });
    return form;
  }

  function openWorklist() {
    show("dossier", false);
    show("worklist", true);
    $("office-label").textContent = state.claims.office ? `· BHXH tỉnh ${state.claims.office}` : "";
    loadWorklist();
    loadStats();
    loadFeedback();
    armRefresh();
  }

  function armRefresh() {
    clearInterval(state.timer);
    if ($("auto-refresh").checked) {
      state.timer = setInterval(() => {
        if (document.visibilityState === "visible" && !$("worklist").hidden) loadWorklist();
      }, REFRESH_MS);
    }
  }

  function applyFilters(event) {
    if (event) event.preventDefault();
    state.filters = {
      status: $("f-status").value,
      procedure: $("f-procedure").value,
      overdue: $("f-overdue").checked,
      q: $("f-search").value.trim(),
    };
    state.cursors = [null];
    state.page = 0;
    loadWorklist();
  }

  // -- one dossier --------------------------------------------------------------------------------
  async function openDossier(id) {
    clearInterval(state.timer);
    show("worklist", false);
    show("dossier", true);
    notify("");
    state.current = null;
    $("dossier").classList.add("loading");
    $("d-title").textContent = "Đang mở hồ sơ…";
    for (const id of ["d-status", "d-summary", "d-steps", "d-findings", "d-findings-count", "d-lists", "d-documents", "d-history"]) $(id).replaceChildren();
    show("d-actions", false);
    show("preview", false);
    try {
      const dossier = await api(`v1/dossiers/${id}`);
      state.current = dossier;
      renderDossier(dossier);
      $("main").focus();
      const lists = await api(`v1/dossiers/${id}/worker-lists`).catch((err) => (failed(err), { lists: [] }));
      renderLists(lists.lists, dossier, lists.titles);
    } catch (err) {
      $("d-title").textContent = "Không mở được hồ sơ";
      failed(err);
    } finally {
      $("dossier").classList.remove("loading");
    }
  }

  function renderDossier(d) {
    $("d-title").textContent = `Hồ sơ ${d.portal_code}`;
    $("d-status").textContent = statusTitle(d.status) + (d.overdue ? " · Quá hạn" : "");
    $("d-status").className = "badge" + (d.overdue ? " late" : "");
    const facts = [
      ["Thủ tục", procedureTitle(d.procedure)],
      ["Đơn vị", `${d.applicant.name}${d.applicant.unit_code ? " (" + d.applicant.unit_code + ")" : ""}`],
      ["Mã số thuế", d.applicant.tax_code || "—"],
      ["Số người lao động", d.workers.length],
      ["Ngày nhận", time(d.received_at)],
      ["Hẹn trả kết quả", d.original_due_date ? `${date(d.due_date)} (hẹn lại; hẹn đầu ${date(d.original_due_date)})` : date(d.due_date)],
      d.bhxh_due_date ? ["Hạn của cơ quan BHXH", date(d.bhxh_due_date)] : null,
      d.escalation ? ["Báo lãnh đạo", d.escalation] : null,
      d.decision ? ["Kết quả", `${RESULT_TITLES[d.decision.result] || d.decision.result}${d.decision.amount !== null ? " · " + money(d.decision.amount) : ""}${d.decision.note ? " · " + d.decision.note : ""}`] : null,
      d.attention ? ["Cần xem", d.attention] : null,
    ].filter(Boolean);
    $("d-summary").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));

    $("d-steps").replaceChildren(
      ...(d.steps.length
        ? d.steps.map((s) => el("tr", { class: s.outcome === "after" ? "overdue" : null },
            el("td", {}, s.name, el("div", { class: "muted" }, `${s.days} ngày làm việc · ${s.source}`)),
            el("td", {}, time(s.started_at)), el("td", {}, date(s.due)), el("td", {}, s.moved_to ? date(s.moved_to) : "—"),
            el("td", {}, s.done_at ? time(s.done_at) : "—"),
            el("td", {}, s.outcome ? state.config.outcomes[s.outcome] : "Đang giải quyết"),
            el("td", {}, s.delay_reason || "")))
        : [el("tr", {}, el("td", { colspan: "7", class: "muted" }, "Thời hạn bắt đầu tính khi hồ sơ được tiếp nhận."))]));

    $("d-findings-count").textContent = `(${d.findings.length})`;
    $("d-findings").replaceChildren(
      ...(d.findings.length
        ? d.findings.map((f) => el("li", {}, f.row && !f.message.startsWith("Dòng") ? `Dòng ${f.row}: ` : "", f.message, f.suggestion ? el("span", { class: "suggestion" }, "Gợi ý: " + f.suggestion) : null))
        : [el("li", { class: "muted" }, "Không có vấn đề nào.")]));

    // one line per kind, its latest slip (the control slip is issued again at every hand-over)
    const latest = new Map();
    for (const doc of d.documents) latest.set(doc.kind, { ...doc, versions: ((latest.get(doc.kind) || {}).versions || 0) + 1 });
    $("d-documents").replaceChildren(
      ...(latest.size
        ? [...latest.values()].map((doc) =>
            el("li", {},
              el("span", { class: "title" }, (state.config.documents[doc.kind] || doc.kind) + " ", el("span", { class: "muted" }, `số ${doc.number} · ${time(doc.issued_at)}${doc.versions > 1 ? ` · cập nhật lần ${doc.versions}` : ""}`)),
              el("button", { type: "button", class: "primary", "data-kind": doc.kind, "data-action": "download", onclick: () => openDocument(d.id, doc.kind, "download") }, "Tải về (PDF đã ký)"),
              el("button", { type: "button", "data-kind": doc.kind, "data-action": "preview", onclick: () => openDocument(d.id, doc.kind, "preview") }, "Xem trước")))
        : [el("li", { class: "muted" }, "Chưa có giấy tờ nào.")]));
    show("preview", false);

    const events = [
      ...d.history.map((h) => ({ at: h.at, what: statusTitle(h.status), by: h.by, note: historyNote(h.note) })),
      ...d.notices.map((n) => ({ at: n.at, what: "Gửi lại " + (state.config.documents[n.kind] || n.kind).toLowerCase(), by: n.by, note: `số ${n.number}` })),
    ].sort((a, b) => a.at.localeCompare(b.at));
    $("d-history").replaceChildren(...events.map((e) => el("tr", {}, el("td", {}, time(e.at)), el("td", {}, e.what), el("td", { class: "code" }, e.by), el("td", {}, e.note))));

    renderActions(d);
  }

  /** A history note is a code with its texts (chalicelib/domain/notes.py); the page shows the words. */
  function historyNote(note) {
    return note ? note.message : "";
  }

  /** What the caller may do now: the API says so in `d.actions` (chalicelib/domain/actions.py); the page holds no rule. */
  function renderActions(d) {
    const can = new Set(d.actions || []);
    show("decision-form", can.has("decide"));
    show("delay-form", can.has("report_delay"));
    show("resend", can.has("resend_correction_request"));
    show("returned", can.has("return"));
    show("d-actions", can.size > 0);
  }

  function renderLists(lists, d, own) {
    // the period's columns in the words of the dossier's procedure ("Từ ngày (ngừng việc)")
    const titles = { ...FIELD_TITLES, ...(own || {}) };
    const box = $("d-lists");
    if (!lists.length) {
      box.replaceChildren(el("p", { class: "muted" }, "Hồ sơ không có danh sách người lao động đã ký."));
      return;
    }
    box.replaceChildren(...lists.map((list) => {
      const heading = el("h3", {}, `Tệp ${list.attachment}`);
      if (list.state !== "read") {
        return el("div", {}, heading, el("p", { class: "muted" }, list.state === "not_read" ? "Hệ thống chưa đọc xong tệp này." : "Không đọc được tệp này (xem phần vấn đề phát hiện)."));
      }
      const fields = Object.keys(FIELD_TITLES);
      const head = el("tr", {}, el("th", {}, "Dòng"), fields.map((f) => el("th", {}, titles[f], el("div", { class: "muted" }, "khai · đã ký"))));
      const body = list.rows.map((r) =>
        el("tr", {}, el("td", {}, r.row), fields.map((f) => {
          const typed = r.typed[f] || "—";
          if (!r.scanned) return el("td", { class: "missing" }, typed, el("div", {}, "không có trong danh sách đã ký"));
          const scanned = r.scanned[f] || "—";
          const differs = r.differs.includes(f), uncertain = r.uncertain.includes(f);
          return el("td", { class: differs ? "differs" : uncertain ? "uncertain" : null, title: differs ? "Khác nhau" : uncertain ? "Đọc chưa chắc chắn" : null },
            typed, scanned !== typed ? el("div", {}, "→ " + scanned) : null);
        })));
      const extra = list.extra.map((r) => el("tr", {}, el("td", {}, r.row || "?"), fields.map((f) => el("td", { class: "differs" }, r[f] || "—"))));
      return el("div", {}, heading,
        el("table", { class: "list lists" }, el("thead", {}, head), el("tbody", {}, body, extra)),
        extra.length ? el("p", { class: "error" }, `${extra.length} dòng trong danh sách đã ký không có trong dữ liệu khai.`) : null);
    }));
  }

  async function openDocument(id, kind, how) {
    try {
      const link = await api(`v1/dossiers/${id}/documents/${kind}`);
      if (how === "preview") {
        const frame = $("preview");
        frame.src = link.preview_url;
        frame.hidden = false;
        frame.scrollIntoView({ block: "nearest" });
      } else {
        const a = el("a", { href: link.url, download: "", rel: "noopener" });
        document.body.append(a);
        a.click();
        a.remove();
      }
    } catch (err) {
      failed(err);
    }
  }

  async function act(path, json, done) {
    try {
      const dossier = await api(`v1/dossiers/${state.current.id}/${path}`, { method: "POST", json });
      state.current = dossier;
      renderDossier(dossier);
      notify(done);
    } catch (err) {
      failed(err);
    }
  }

  function submitDecision(event) {
    event.preventDefault();
    const result = new FormData($("decision-form")).get("result");
    const amount = $("decision-amount").value;
    const note = $("decision-note").value.trim();
    act("decision", { result, ...(amount !== "" ? { amount: Number(amount) } : {}), ...(note ? { note } : {}) }, "Đã ghi nhận kết quả giải quyết.");
  }

  function submitDelay(event) {
    event.preventDefault();
    const reason = $("delay-other").value.trim() || $("delay-reason").value;
    const days = $("delay-days").value;
    act("delay", { reason, ...(days !== "" ? { days: Number(days) } : {}) }, "Đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả.");
  }

  // -- start ------------------------------------------------------------------------------------
  async function start() {
    // A returning code leaves the address bar before anything else happens.
    const returning = new URLSearchParams(window.location.search);
    if (returning.has("code") || returning.has("error")) history.replaceState(null, "", window.location.pathname + "#/");
    window.addEventListener("hashchange", () => { if (state.config) route(); });
    try {
      // the procedures as the public catalogue lists them (GET /v1/procedures: the data files), code → title
      const [config, catalogue] = await Promise.all([api("console/config.json"), api("v1/procedures")]);
      state.config = config;
      state.procedures = Object.fromEntries(catalogue.items.map((p) => [p.code, p.title]));
    } catch (err) {
      failed(err);
      return;
    }
    await finishSignIn(returning);
    fillSelect($("f-status"), state.config.statuses);
    fillSelect($("f-procedure"), state.procedures);
    if (!state.token && sessionStorage.getItem("motcua.token")) useToken(sessionStorage.getItem("motcua.token"));

    $("signin-token").addEventListener("submit", (event) => {
      event.preventDefault();
      if (useToken($("token-input").value)) {
        $("token-input").value = "";
        window.location.hash = "#/";
        route();
      }
    });
    $("signin-start").addEventListener("click", () => { beginSignIn().catch((err) => signInFailed(String(err))); });
    $("sign-out").addEventListener("click", () => signOut());
    $("filters").addEventListener("submit", applyFilters);
    $("f-status").addEventListener("change", applyFilters);
    $("f-procedure").addEventListener("change", applyFilters);
    $("f-overdue").addEventListener("change", applyFilters);
    $("f-clear").addEventListener("click", () => { $("filters").reset(); applyFilters(); });
    $("refresh").addEventListener("click", loadWorklist);
    $("auto-refresh").addEventListener("change", armRefresh);
    $("prev").addEventListener("click", () => { if (state.page > 0) { state.page -= 1; loadWorklist(); } });
    $("next").addEventListener("click", () => { if (state.next) { state.cursors[state.page + 1] = state.next; state.page += 1; loadWorklist(); } });
    $("decision-form").addEventListener("submit", submitDecision);
    $("delay-reason").replaceChildren(...state.config.delay_reasons.map((r) => el("option", { value: r }, r)));
    $("delay-form").addEventListener("submit", submitDelay);
    $("resend").addEventListener("click", () => act("correction-request/resend", undefined, "Đã gửi lại phiếu yêu cầu bổ sung qua Cổng."));
    $("returned").addEventListener("click", () => act("return", undefined, "Đã đóng hồ sơ và cấp phiếu kiểm soát."));
    document.addEventListener("keydown", (event) => {
      const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
      if (event.key === "/" && !typing && !$("worklist").hidden) { event.preventDefault(); $("f-search").focus(); }
      else if ((event.key === "r" || event.key === "R") && !typing && !$("worklist").hidden) loadWorklist();
      else if (event.key === "Escape" && !$("dossier").hidden) window.location.hash = "#/";
    });
    route();
  }

  start();
})();
