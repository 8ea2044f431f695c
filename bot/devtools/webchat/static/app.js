// The local web chat: a Telegram client for the sandbox, and the editors' panel.
//
// Bot messages arrive as Telegram stores them: plain text plus entities (the sandbox parsed
// the bot's HTML exactly as Telegram does, and refused what Telegram refuses). They are
// drawn the way Telegram clients draw them, by building DOM nodes for a fixed list of
// entity types around text nodes: no bot or user text ever goes through innerHTML.
"use strict";

(() => {
  const $ = (role) => document.querySelector(`[data-role="${role}"]`);
  const state = {
    users: [],
    userId: null,
    last: 0, // the last event number handled
    chats: new Map(), // chat id -> Map(message id -> {who, message})
    commands: [],
    openFile: null,
    callsSeen: 0,
    calls: [],
  };

  // --- talking to the server --------------------------------------------------------------

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `The page's server answered ${response.status}.`);
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // --- Telegram formatting: text + entities -> DOM ---------------------------------------

  // Outer entities first when two start together (tdlib's order).
  const PRIORITY = { blockquote: 0, expandable_blockquote: 0, pre: 11, code: 20, text_link: 49 };

  function safeHref(url) {
    try {
      const parsed = new URL(url);
      return ["http:", "https:", "mailto:", "tel:"].includes(parsed.protocol) ? parsed.href : null;
    } catch {
      return null;
    }
  }

  // The element an entity becomes; null leaves its text as it is (an unknown type).
  function entityElement(entity, covered) {
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "spoiler": return el("span", { class: "tg-spoiler", title: "Spoiler: click to show" });
      case "code": return el("code");
      case "pre": {
        const code = el("code", { class: entity.language ? `language-${entity.language}` : null });
        const pre = el("pre", {}, code);
        pre.inner = code;
        return pre;
      }
      case "blockquote":
      case "expandable_blockquote": return el("blockquote");
      case "text_link": {
        const href = safeHref(entity.url || "");
        return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : el("span");
      }
      case "url": {
        const href = safeHref(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`);
        return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : null;
      }
      case "email": return el("a", { href: `mailto:${covered}` });
      case "phone_number": return el("a", { href: `tel:${covered.replace(/[^0-9+]/g, "")}` });
      case "bot_command": return el("a", { href: "#", class: "bot-command", dataset: { command: covered } });
      case "mention":
      case "text_mention":
      case "hashtag":
      case "cashtag": return el("span", { class: "mention" });
      default: return null;
    }
  }

  // Entities nest as a tree; one that crosses its parent's end is split there, as Telegram
  // splits overlapping formatting.
  function entityTree(text, entities) {
    const pending = entities
      .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
      .map((e) => ({ ...e, start: e.offset, end: Math.min(e.offset + e.length, text.length) }))
      .filter((e) => e.start < e.end);
    const order = (a, b) => a.start - b.start || b.end - a.end ||
      (PRIORITY[a.type] ?? 90) - (PRIORITY[b.type] ?? 90);
    pending.sort(order);
    const root = { start: 0, end: text.length, children: [] };
    const stack = [root];
    for (let i = 0; i < pending.length; i++) {
      const entity = pending[i];
      while (stack.length > 1 && entity.start >= stack[stack.length - 1].end) stack.pop();
      const parent = stack[stack.length - 1];
      if (entity.end > parent.end) {
        const rest = { ...entity, start: parent.end };
        entity.end = parent.end;
        let at = i + 1;
        while (at < pending.length && order(pending[at], rest) <= 0) at++;
        pending.splice(at, 0, rest);
      }
      const node = { entity, start: entity.start, end: entity.end, children: [] };
      parent.children.push(node);
      stack.push(node);
    }
    return root;
  }

  function renderNode(node, text, into) {
    let at = node.start;
    for (const child of node.children) {
      if (child.start > at) into.append(document.createTextNode(text.slice(at, child.start)));
      const covered = text.slice(child.start, child.end);
      const made = entityElement(child.entity, covered);
      const target = made ? (made.inner || made) : into;
      renderNode(child, text, target);
      if (made) into.append(made);
      at = child.end;
    }
    if (node.end > at) into.append(document.createTextNode(text.slice(at, node.end)));
  }

  function renderRich(text, entities) {
    const fragment = document.createDocumentFragment();
    renderNode(entityTree(text || "", entities || []), text || "", fragment);
    return fragment;
  }

  // --- the chat -----------------------------------------------------------------------------

  const messagesBox = $("messages");

  function chatOf(chatId) {
    if (!state.chats.has(chatId)) state.chats.set(chatId, new Map());
    return state.chats.get(chatId);
  }

  function clockText(date) {
    return new Date(date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function dayText(date) {
    return new Date(date * 1000).toLocaleDateString([], { month: "long", day: "numeric", year: "numeric" });
  }

  function keyboard(message) {
    if (!message.buttons || !message.buttons.length) return null;
    const box = el("div", { class: "keyboard" });
    for (const row of message.buttons) {
      const line = el("div", { class: "kb-row" });
      for (const button of row) {
        if (button.url) {
          const href = safeHref(button.url);
          line.append(el(href ? "a" : "span", {
            href, target: "_blank", rel: "noopener noreferrer", "data-role": "inline-button",
          }, button.text));
        } else {
          line.append(el("button", {
            type: "button", "data-role": "inline-button",
            dataset: { callback: button.callback_data || "", messageId: message.message_id },
          }, button.text));
        }
      }
      box.append(line);
    }
    return box;
  }

  function messageElement(item) {
    const { who, message } = item;
    const meta = el("span", { class: "meta" },
      message.edited ? el("span", { class: "edited" }, "edited") : null,
      el("time", {}, clockText(message.date)),
      who === "user" ? " \u2713\u2713" : null);
    // User text is always text: a text node, whatever it looks like.
    const body = who === "bot" ? renderRich(message.text, message.entities) : message.text;
    const bubble = el("div", { class: "bubble" },
      el("div", { class: "text" }, body),
      meta);
    return el("div", {
      class: `row ${who}`,
      "data-role": who === "bot" ? "bot-message" : "user-message",
      dataset: { messageId: message.message_id },
    }, bubble, who === "bot" ? keyboard(message) : null);
  }

  function nearBottom() {
    return messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 80;
  }

  function renderChat() {
    messagesBox.replaceChildren();
    const chat = chatOf(state.userId);
    let lastDay = null;
    for (const item of chat.values()) {
      const day = dayText(item.message.date);
      if (day !== lastDay) messagesBox.append(el("div", { class: "date-chip" }, day));
      lastDay = day;
      messagesBox.append(messageElement(item));
    }
    const empty = chat.size === 0;
    if (empty) {
      messagesBox.append(el("div", { class: "empty-chat", "data-role": "empty-chat" },
        el("p", {}, el("strong", {}, "A new chat with the bot.")),
        el("p", {}, "Press START, as a new Telegram user would, or type a message.")));
    }
    $("start-bar").hidden = !empty;
    messagesBox.scrollTop = messagesBox.scrollHeight;
  }

  function showMessage(chatId, who, message) {
    const chat = chatOf(chatId);
    const known = chat.has(message.message_id);
    if (message.deleted) chat.delete(message.message_id);
    else chat.set(message.message_id, { who, message });
    if (chatId !== state.userId) return;
    const shown = messagesBox.querySelector(`.row[data-message-id="${message.message_id}"]`);
    if (message.deleted) {
      if (shown) shown.remove();
      return;
    }
    if (shown) { // an edit: in place, where the message was
      shown.replaceWith(messageElement(chat.get(message.message_id)));
      return;
    }
    if (!known) {
      const follow = nearBottom() || who === "user";
      const empty = messagesBox.querySelector('[data-role="empty-chat"]');
      if (empty) renderChat();
      else {
        const chips = messagesBox.querySelectorAll(".date-chip");
        const lastChip = chips.length ? chips[chips.length - 1].textContent : null;
        if (dayText(message.date) !== lastChip) {
          messagesBox.append(el("div", { class: "date-chip" }, dayText(message.date)));
        }
        messagesBox.append(messageElement(chat.get(message.message_id)));
      }
      $("start-bar").hidden = true;
      if (follow) messagesBox.scrollTop = messagesBox.scrollHeight;
    }
  }

  let typingTimer = null;
  function setStatus(text) {
    $("status").textContent = text;
  }

  function showTyping() {
    setStatus("typing\u2026");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => setStatus("bot"), 5000); // Telegram's 5 s
  }

  let toastTimer = null;
  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 3000);
  }

  function alertBox(text) {
    $("alert-text").textContent = text;
    $("alert").hidden = false;
  }

  function handle(event) {
    if (event.kind === "bot_message") {
      if (event.chat_id === state.userId) {
        clearTimeout(typingTimer);
        setStatus("bot");
      }
      showMessage(event.chat_id, "bot", event.message);
    } else if (event.kind === "user_message") {
      showMessage(event.chat_id, "user", event.message);
    } else if (event.kind === "callback_answer" && event.chat_id === state.userId) {
      for (const button of messagesBox.querySelectorAll(".waiting")) button.classList.remove("waiting");
      if (event.text && event.show_alert) alertBox(event.text);
      else if (event.text) toast(event.text);
    } else if (event.kind === "chat_action" && event.chat_id === state.userId) {
      if (event.action === "typing") showTyping();
    } else if (event.kind === "content_reloaded") {
      loadCommands();
      if (event.reload && event.reload.published) loadFiles();
    }
  }

  async function pollEvents() {
    for (;;) {
      try {
        const data = await api(`/api/events?after=${state.last}`);
        if (data.last < state.last) { // the server was restarted: its chats are new
          window.location.reload();
          return;
        }
        for (const event of data.events) {
          if (event.seq <= state.last) continue;
          state.last = event.seq;
          handle(event);
        }
      } catch {
        setStatus("reconnecting\u2026");
        await sleep(1000);
      }
    }
  }

  async function send(text) {
    if (!text.trim()) return;
    try {
      await api("/api/send", { user_id: state.userId, text });
    } catch (error) {
      toast(error.message);
    }
  }

  async function press(button) {
    button.classList.add("waiting");
    try {
      await api("/api/press", {
        user_id: state.userId,
        message_id: Number(button.dataset.messageId),
        data: button.dataset.callback,
      });
    } catch (error) {
      button.classList.remove("waiting");
      toast(error.message);
    }
  }

  // --- users, language, command menu ----------------------------------------------------

  function fillUsers() {
    const select = $("user-select");
    select.replaceChildren(...state.users.map((u) => el("option", { value: u.id, title: `user id ${u.id}` }, u.first_name)));
    select.value = String(state.userId);
    const user = currentUser();
    $("language").value = user ? user.language_code : "en";
  }

  const currentUser = () => state.users.find((u) => u.id === state.userId);

  async function loadCommands() {
    if (state.userId === null) return;
    try {
      state.commands = (await api(`/api/commands?user_id=${state.userId}`)).commands;
    } catch {
      state.commands = [];
    }
    $("menu-button").hidden = state.commands.length === 0;
  }

  function toggleMenu() {
    const menu = $("command-menu");
    if (!menu.hidden) { menu.hidden = true; return; }
    menu.replaceChildren(...state.commands.map((c) => el("button", {
      type: "button", "data-role": "command", dataset: { command: `/${c.command}` },
    }, el("span", { class: "command" }, `/${c.command}`), el("span", { class: "description" }, c.description))));
    menu.hidden = false;
  }

  async function switchUser(userId) {
    state.userId = userId;
    fillUsers();
    renderChat();
    setStatus("bot");
    await loadCommands();
  }

  // --- the editors' panel ---------------------------------------------------------------

  const METRIC_NAMES = {
    flesch_kincaid_grade: "grade",
    smog_index: "SMOG",
    fernandez_huerta: "Fernández-Huerta",
    szigriszt_pazos: "INFLESZ",
    words: "words",
  };

  function scores(metrics) {
    return Object.entries(METRIC_NAMES)
      .filter(([key]) => typeof metrics[key] === "number")
      .map(([key, name]) => `${name} ${Math.round(metrics[key] * 10) / 10}`)
      .join(" · ");
  }

  function badge(file) {
    if (file.errors) return el("span", { class: "badge errors", title: "Not published while it has errors" },
      `${file.errors} error${file.errors > 1 ? "s" : ""}: held back`);
    if (file.warnings) return el("span", { class: "badge warnings" }, `${file.warnings} warning${file.warnings > 1 ? "s" : ""}`);
    return el("span", { class: "badge ok" }, "ok");
  }

  async function loadFiles() {
    const data = await api("/api/content");
    state.files = data.files;
    const list = $("file-list");
    list.replaceChildren(...data.files.map((file) => el("li", {
      "data-role": "file", dataset: { path: file.path, errors: file.errors },
      class: file.path === state.openFile ? "open" : null,
    },
    el("span", { class: "name" }, file.path),
    el("span", { class: "file-title" }, file.title),
    el("span", { class: "scores", "data-role": "scores" }, scores(file.metrics)),
    el("span", { "data-role": "lint-status" }, badge(file)))));
    for (const problem of data.problems || []) list.append(el("li", { class: "problem" }, problem));
    if (state.openFile) showFindings(state.openFile);
  }

  function showFindings(path) {
    const file = (state.files || []).find((f) => f.path === path);
    const list = $("findings");
    if (!file) { list.replaceChildren(); return; }
    if (!file.findings.length) { list.replaceChildren(el("li", {}, "None: the linter is happy with this file.")); return; }
    list.replaceChildren(...file.findings.map((f) => el("li", { class: f.severity, "data-role": "finding", dataset: { rule: f.rule } },
      `line ${f.line}:${f.column} ${f.severity} ${f.rule}: ${f.message}`,
      f.hint ? el("span", { class: "finding-hint" }, f.hint) : null)));
  }

  async function openFile(path) {
    const data = await api(`/api/content/file?path=${encodeURIComponent(path)}`);
    state.openFile = data.path;
    $("editor-box").hidden = false;
    $("editor-path").textContent = data.path;
    $("editor").value = data.text;
    $("save-status").textContent = "";
    $("save-status").className = "save-status";
    $("reload-reply").replaceChildren();
    for (const item of $("file-list").children) item.classList.toggle("open", item.dataset.path === data.path);
    showFindings(data.path);
  }

  async function save() {
    if (!state.openFile) return;
    const status = $("save-status");
    status.className = "save-status";
    status.textContent = "Saving, checking and publishing\u2026";
    $("reload-reply").replaceChildren();
    try {
      const outcome = await api("/api/content/file", { path: state.openFile, text: $("editor").value });
      state.files = outcome.lint.files;
      await loadFiles();
      const reload = outcome.reload;
      if (reload.published) {
        status.className = "save-status published";
        status.dataset.outcome = "published";
        status.textContent = `Published: the bot serves it now (${reload.topics} topics, ${reload.seconds.toFixed(1)} s).`;
      } else {
        status.className = "save-status held";
        status.dataset.outcome = "held";
        status.textContent = "Held back: a file has errors, so the bot keeps serving the last version that passed.";
      }
      $("reload-reply").replaceChildren(...reload.reply.map((part) => el("div", {}, renderRich(part.text, part.entities))));
    } catch (error) {
      status.className = "save-status held";
      status.textContent = error.message;
    }
  }

  // --- the clock ------------------------------------------------------------------------

  function showClock(clock) {
    $("clock-now").textContent = new Date(clock.now).toUTCString();
  }

  async function jumpToDigest() {
    const result = $("clock-result");
    result.textContent = "Sending\u2026";
    try {
      const data = await api("/api/clock/next-digest", { user_id: state.userId });
      showClock(data.clock);
      const sent = data.result.sent + data.result.up_to_date;
      result.textContent = `The clock is now at the digest's time; ${sent} digest message(s) sent.`;
    } catch (error) {
      result.textContent = error.message;
    }
  }

  // --- the Telegram requests ------------------------------------------------------------

  function callItem(call) {
    const when = new Date(call.at * 1000).toLocaleTimeString();
    const ok = call.status === 200;
    return el("li", { "data-role": "call", value: call.n, class: ok ? null : "failed", dataset: { method: call.method } },
      `${when} ${call.method} \u2192 ${call.status}${call.description ? ` ${call.description}` : ""}`,
      el("details", {}, el("summary", {}, "parameters and answer"),
        el("pre", { "data-role": "call-params" }, JSON.stringify(call.params, null, 1)),
        el("pre", { "data-role": "call-result" }, JSON.stringify(call.result, null, 1))));
  }

  function renderCalls() {
    const hide = $("hide-polls").checked;
    const shown = state.calls.filter((c) => !(hide && c.method === "getUpdates" && Array.isArray(c.result) && !c.result.length));
    $("calls").replaceChildren(...shown.slice(-300).reverse().map(callItem));
  }

  async function refreshCalls() {
    const data = await api(`/api/calls?after=${state.callsSeen}`);
    state.calls.push(...data.calls);
    state.callsSeen = data.last;
    renderCalls();
  }

  let callsTimer = null;
  function showTab(name) {
    for (const tab of document.querySelectorAll(".tabs [data-tab]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    }
    for (const page of document.querySelectorAll(".tab-page")) page.hidden = page.dataset.page !== name;
    clearInterval(callsTimer);
    if (name === "calls") {
      refreshCalls();
      callsTimer = setInterval(refreshCalls, 1000);
    }
  }

  // --- wiring ---------------------------------------------------------------------------

  function wire() {
    const input = $("message-input");
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      $("command-menu").hidden = true;
      send(text);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("start").addEventListener("click", () => send("/start"));
    $("menu-button").addEventListener("click", toggleMenu);
    $("command-menu").addEventListener("click", (event) => {
      const item = event.target.closest("[data-command]");
      if (!item) return;
      $("command-menu").hidden = true;
      send(item.dataset.command);
    });
    messagesBox.addEventListener("click", (event) => {
      const button = event.target.closest('button[data-role="inline-button"]');
      if (button) { press(button); return; }
      const command = event.target.closest("a.bot-command");
      if (command) { event.preventDefault(); send(command.dataset.command); return; }
      const spoiler = event.target.closest(".tg-spoiler");
      if (spoiler) spoiler.classList.add("revealed");
    });
    $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
    $("user-select").addEventListener("change", (event) => switchUser(Number(event.target.value)));
    $("new-user").addEventListener("click", async () => {
      const user = await api("/api/users", { language_code: $("language").value });
      state.users.push(user);
      await switchUser(user.id);
    });
    $("language").addEventListener("change", async (event) => {
      const user = await api("/api/users/language", { user_id: state.userId, language_code: event.target.value });
      Object.assign(currentUser(), user);
      await loadCommands();
      toast(`${user.first_name}'s Telegram is now in ${event.target.selectedOptions[0].textContent}.`);
    });
    for (const tab of document.querySelectorAll(".tabs [data-tab]")) {
      tab.addEventListener("click", () => showTab(tab.dataset.tab));
    }
    $("file-list").addEventListener("click", (event) => {
      const item = event.target.closest('[data-role="file"]');
      if (item) openFile(item.dataset.path);
    });
    $("save").addEventListener("click", save);
    $("editor").addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
    });
    $("clock-jump").addEventListener("click", jumpToDigest);
    $("hide-polls").addEventListener("change", renderCalls);
  }

  async function main() {
    wire();
    const start = await api("/api/state");
    $("bot-name").textContent = start.bot.name;
    $("language").replaceChildren(...start.languages.map((l) => el("option", { value: l.code }, l.name)));
    state.users = start.users;
    showClock(start.clock);
    await switchUser(start.users[0].id);
    loadFiles();
    document.body.dataset.ready = "true";
    pollEvents();
  }

  main();
})();
