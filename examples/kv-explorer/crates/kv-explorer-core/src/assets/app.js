// The KV explorer page. The user's credentials are kept for this tab only (sessionStorage)
// and sent as `Authorization: Basic` on each API call. Calls are made with
// `credentials: "omit"`, so a 401 never opens the browser's own login prompt; the page
// shows its login form instead. Stored data is rendered as text nodes: no HTML is built
// from it, and its format characters are shown as visible tokens (see `visible`).
"use strict";

(() => {
  const AUTH = "kv-explorer-auth";
  const $ = (id) => document.getElementById(id);

  const state = {
    store: null,
    prefix: "",
    limit: 50,
    cursors: [null], // cursor of each page seen so far; the first page has none
    page: 0,
    next: null,
    selected: null,
    selectedText: null,
  };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function basic(user, password) {
    const bytes = new TextEncoder().encode(user + ":" + password);
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }

  // Format characters (Unicode category Cf: bidi controls such as U+202E, zero-width
  // characters, the soft hyphen, ...) are invisible or change how the text around them is
  // drawn: a key "x\u{202E}gnp.exe" would show as "xexe.png". Stored data is shown with each
  // of them as a visible `\u{202E}` token instead, which keeps the real character for
  // copying (see the "copy" listener). The property escape uses the browser's Unicode data.
  const FORMAT = /\p{Cf}/gu;

  // An isolated span showing `text` (a key, a value, a server message) with its format
  // characters as tokens.
  function visible(text) {
    const span = document.createElement("span");
    span.className = "data";
    let last = 0;
    for (const match of text.matchAll(FORMAT)) {
      if (match.index > last) span.append(text.slice(last, match.index));
      const hex = match[0].codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      const token = document.createElement("span");
      token.className = "fmt";
      token.dataset.raw = match[0];
      token.title = "U+" + hex + ", an invisible format character";
      token.textContent = "\\u{" + hex + "}";
      span.append(token);
      last = match.index + match[0].length;
    }
    if (last < text.length) span.append(text.slice(last));
    return span;
  }

  // Replaces an element's content with page text (strings) and stored data (`visible` spans).
  function show(element, ...parts) {
    element.replaceChildren(...parts);
  }

  function status(...parts) {
    show($("status"), ...parts);
  }

  async function api(method, path, body) {
    const headers = {
      Accept: "application/json",
      Authorization: "Basic " + (sessionStorage.getItem(AUTH) || ""),
    };
    if (method !== "GET") headers["x-kv-explorer"] = "1";
    if (body !== undefined) headers["Content-Type"] = "text/plain; charset=utf-8";
    const resp = await fetch(path, { method, headers, body, credentials: "omit", cache: "no-store" });
    let data = null;
    if ((resp.headers.get("content-type") || "").includes("application/json")) {
      data = await resp.json();
    }
    if (resp.ok) return data;
    const err = (data && data.error) || {};
    throw new ApiError(resp.status, err.code || "http_error", err.message || resp.statusText);
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined) q.set(k, v);
    }
    return q.toString();
  }

  function keyPath(key) {
    // A key of "." or ".." would be resolved away as a path segment: send its dots encoded.
    const segment = key === "." || key === ".." ? key.replace(/\./g, "%2E") : encodeURIComponent(key);
    return "api/key/" + segment + "?" + query({ store: state.store });
  }

  // Any error: back to the login form on 401, otherwise a message.
  function fail(err) {
    if (err instanceof ApiError && err.status === 401) {
      showLogin("Wrong user or password.");
    } else {
      status("Error: ", visible(err.message));
    }
  }

  function showLogin(message) {
    sessionStorage.removeItem(AUTH);
    $("explorer").hidden = true;
    $("logout").hidden = true;
    $("login-section").hidden = false;
    $("login-error").textContent = message || "";
    $("login-password").value = "";
    $("login-user").focus();
  }

  async function start() {
    const data = await api("GET", "api/stores");
    const select = $("store");
    select.replaceChildren();
    for (const id of data.stores) {
      const option = document.createElement("option");
      option.value = id;
      option.textContent = id;
      select.append(option);
    }
    state.store = data.default || data.stores[0] || null;
    if (state.store) select.value = state.store;
    $("login-section").hidden = true;
    $("explorer").hidden = false;
    $("logout").hidden = false;
    await reload();
  }

  async function reload() {
    state.cursors = [null];
    state.page = 0;
    await loadKeys();
  }

  // Each listing request gets a number; an answer that arrives after a newer request was
  // made (the filter or page size changed meanwhile) is dropped, never shown.
  let listing = 0;

  async function loadKeys() {
    const mine = ++listing;
    const notice = $("notice");
    notice.hidden = true;
    let data;
    try {
      data = await api("GET", "api/keys?" + query({
        store: state.store,
        prefix: state.prefix,
        limit: state.limit,
        cursor: state.cursors[state.page],
      }));
    } catch (err) {
      if (mine !== listing) return;
      if (err instanceof ApiError && err.code === "list_limit_exceeded") {
        show(notice, "Too many keys to list: ", visible(err.message),
          ". Type a longer prefix to see fewer keys.");
        notice.hidden = false;
        $("keys").replaceChildren();
        setPager(null);
        return;
      }
      throw err;
    }
    if (mine !== listing) return;
    renderKeys(data.keys);
    setPager(data.cursor);
  }

  function renderKeys(keys) {
    const list = $("keys");
    list.replaceChildren();
    if (keys.length === 0) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = state.prefix ? "No keys start with this prefix." : "No keys.";
      list.append(li);
    }
    for (const key of keys) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "key";
      button.dataset.key = key;
      button.append(visible(key));
      if (key === state.selected) button.setAttribute("aria-current", "true");
      li.append(button);
      list.append(li);
    }
  }

  function setPager(cursor) {
    state.next = cursor;
    $("prev").disabled = state.page === 0;
    $("next").disabled = !cursor;
    $("page-info").textContent = "Page " + (state.page + 1);
  }

  async function showValue(key) {
    const value = await api("GET", keyPath(key));
    state.selected = key;
    state.selectedText = value.encoding === "utf-8" ? value.value : null;
    show($("value-key"), visible(key));
    const kind = value.encoding === "utf-8" ? "text" : "binary, shown as hex";
    $("value-meta").textContent = value.size + (value.size === 1 ? " byte" : " bytes") + ", " + kind;
    show($("value-text"), value.encoding === "utf-8" ? visible(value.value) : spacedHex(value.value));
    $("edit").disabled = state.selectedText === null;
    $("confirm").hidden = true;
    $("value-section").hidden = false;
    for (const b of document.querySelectorAll("#keys button")) {
      if (b.dataset.key === key) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    }
  }

  function spacedHex(hex) {
    const pairs = hex.match(/../g) || [];
    const lines = [];
    for (let i = 0; i < pairs.length; i += 16) lines.push(pairs.slice(i, i + 16).join(" "));
    return lines.join("\n");
  }

  function hideValue() {
    state.selected = null;
    $("value-section").hidden = true;
  }

  // Runs an async action from an event, reporting its errors.
  const act = (fn) => (event) => {
    if (event && event.type === "submit") event.preventDefault();
    Promise.resolve(fn(event)).catch(fail);
  };

  $("login").addEventListener("submit", act(async () => {
    sessionStorage.setItem(AUTH, basic($("login-user").value, $("login-password").value));
    $("login-error").textContent = "";
    await start();
    status("Logged in.");
    $("prefix").focus();
  }));

  $("logout").addEventListener("click", () => {
    hideValue();
    showLogin("");
    status("Logged out.");
  });

  $("filter").addEventListener("submit", act(async () => {
    state.prefix = $("prefix").value;
    state.limit = Number($("limit").value);
    await reload();
  }));

  $("store").addEventListener("change", act(async () => {
    state.store = $("store").value;
    hideValue();
    await reload();
  }));

  $("limit").addEventListener("change", act(async () => {
    state.limit = Number($("limit").value);
    await reload();
  }));

  $("next").addEventListener("click", act(async () => {
    if (!state.next) return;
    state.cursors[state.page + 1] = state.next;
    state.page += 1;
    await loadKeys();
  }));

  $("prev").addEventListener("click", act(async () => {
    if (state.page === 0) return;
    state.page -= 1;
    await loadKeys();
  }));

  $("keys").addEventListener("click", act(async (event) => {
    const button = event.target.closest("button.key");
    if (button) await showValue(button.dataset.key);
  }));

  // The key field holds the real key, which the browser draws as it is: below it, the key is
  // shown again with its format characters as tokens whenever it has any.
  function noteKey() {
    const key = $("set-key").value;
    const note = $("set-key-note");
    note.hidden = !key.match(FORMAT);
    if (note.hidden) note.replaceChildren();
    else show(note, "This key holds format characters: ", visible(key));
  }

  $("set-key").addEventListener("input", noteKey);

  $("edit").addEventListener("click", () => {
    if (state.selectedText === null) return;
    $("set-key").value = state.selected;
    $("set-value").value = state.selectedText;
    noteKey();
    $("set-value").focus();
  });

  // Copying shown data copies the real characters: each token of a format character in the
  // selection becomes the character again.
  document.addEventListener("copy", (event) => {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || !event.clipboardData) return;
    const copied = document.createDocumentFragment();
    for (let i = 0; i < selection.rangeCount; i++) {
      copied.append(selection.getRangeAt(i).cloneContents());
    }
    const tokens = copied.querySelectorAll(".fmt");
    if (tokens.length === 0) return;
    for (const token of tokens) token.replaceWith(token.dataset.raw);
    event.clipboardData.setData("text/plain", copied.textContent);
    event.preventDefault();
  });

  $("set-form").addEventListener("submit", act(async () => {
    const key = $("set-key").value;
    await api("PUT", keyPath(key), $("set-value").value);
    status("Saved ", visible(key), ".");
    await loadKeys();
    await showValue(key);
  }));

  $("delete").addEventListener("click", () => {
    show($("confirm-text"), "Delete ", visible(state.selected), " from store ", visible(state.store),
      "? This cannot be undone.");
    $("confirm").hidden = false;
    $("delete-no").focus();
  });

  $("delete-no").addEventListener("click", () => {
    $("confirm").hidden = true;
    $("delete").focus();
  });

  $("delete-yes").addEventListener("click", act(async () => {
    const key = state.selected;
    await api("DELETE", keyPath(key));
    hideValue();
    status("Deleted ", visible(key), ".");
    await loadKeys();
    $("prefix").focus();
  }));

  if (sessionStorage.getItem(AUTH)) {
    start().catch(fail);
  } else {
    showLogin("");
  }
})();
