// The web chat: renders the engine's outbound messages (text, prompts with choices) and sends
// typed text or tapped choices back. All wording comes from the server (locales). The chat is the
// server's: it lives in an HttpOnly cookie this script never sees. Messages nobody asked for just
// now (a person from the office writes) arrive as server-sent events.
const log = document.getElementById("log");
const input = document.getElementById("input");
const languageSelect = document.getElementById("language");
const restartButton = document.getElementById("restart");
const restartDialog = document.getElementById("restart-dialog");
let chrome = {};
let language = "es";
// Whether the person's language is known (chosen, or the chat's own): it then outlives /borrar.
let chosen = false;
// Whether a chat is open: not while the page asks whether to continue the one left in this browser.
let open = false;
let lastPrompt = null;
// The question on screen, as the server named it: sent back so an answer is never taken for another.
let asked = null;
let events = null;

/** Choices answered by a word of their own, not by a number: as the engine reads typed numbers. */
const CONTROLS = new Set(["back", "skip", "done"]);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const textsOf = (lng) => chrome[lng] ?? chrome.es ?? {};

function fill(text, values) {
  return String(text ?? "").replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function applyChrome(lng) {
  const texts = chrome[lng] || chrome.es;
  if (!texts) return;
  language = lng;
  document.documentElement.lang = lng;
  document.title = texts.title;
  document.getElementById("notice").textContent = texts.notice;
  restartButton.textContent = texts.restart;
  const send = document.getElementById("send");
  send.setAttribute("aria-label", texts.send);
  send.title = texts.send;
  input.placeholder = texts.placeholder;
  input.setAttribute("aria-label", texts.inputLabel);
  languageSelect.setAttribute("aria-label", texts.languageLabel);
  languageSelect.value = lng;
  document.getElementById("restart-question").textContent = texts.restartQuestion;
  document.getElementById("restart-yes").textContent = texts.restartYes;
  document.getElementById("restart-no").textContent = texts.restartNo;
}

/** Whether the person is writing something: focus is then theirs to keep. */
const typing = () => document.activeElement === input && input.value.trim() !== "";

/** The end of the conversation in view, with the top of a question taller than the screen. */
function scrollToEnd(prompt) {
  window.scrollTo({ top: document.documentElement.scrollHeight });
  const top = prompt?.getBoundingClientRect().top;
  if (top !== undefined && top < 0) window.scrollBy({ top });
}

function say(text, who, lng) {
  const bubble = element("div", `bubble ${who}`, text);
  bubble.lang = lng;
  log.append(bubble);
  return bubble;
}

/** The language a choice picks ("l:ht"), if it picks one this page serves. */
function languageOf(token) {
  const code = /^l:(.+)$/.exec(token)?.[1];
  return code && code in chrome ? code : undefined;
}

/** The question's text; the language picker's lines each in their own language, as its buttons are. */
function promptText(message) {
  const text = element("div", "text");
  const languages = message.choices.map((choice) => languageOf(choice.token));
  const lines = message.text.split("\n");
  if (message.expects !== "language" || lines.length !== languages.length) {
    text.textContent = message.text;
    return text;
  }
  lines.forEach((line, at) => {
    if (at > 0) text.append("\n");
    const span = element("span", undefined, line);
    if (languages[at]) span.lang = languages[at];
    text.append(span);
  });
  return text;
}

/** The number a choice is typed as: a language by its place in the picker, options from 1, controls by word. */
function numbers(message) {
  const codes = Object.keys(chrome);
  let next = 0;
  return message.choices.map((choice) => {
    const lng = languageOf(choice.token);
    if (lng) return codes.indexOf(lng) + 1;
    if (CONTROLS.has(choice.role) || /^\d+\.\s/.test(choice.label)) return undefined;
    next += 1;
    return next;
  });
}

function renderPrompt(message, lng) {
  const texts = textsOf(lng);
  const bubble = element("div", "bubble bot");
  bubble.dataset.kind = "prompt";
  bubble.dataset.expects = message.expects;
  bubble.lang = lng;
  bubble.tabIndex = -1;
  if (message.ref) bubble.dataset.ref = `${message.ref.flow}/${message.ref.step}`;
  if (message.progress) {
    const { index, total } = message.progress;
    bubble.append(element("div", "progress", fill(texts.progress, { index, total })));
    const bar = element("div", "bar");
    bar.setAttribute("aria-hidden", "true");
    const done = element("span");
    done.style.width = `${Math.round((100 * index) / Math.max(total, 1))}%`;
    bar.append(done);
    bubble.append(bar);
  }
  bubble.append(promptText(message));
  if (message.hint) bubble.append(element("div", "hint", message.hint));
  if (message.choices.length) {
    const choices = element("div", "choices");
    const numbered = numbers(message);
    message.choices.forEach((choice, at) => {
      const button = element("button", `choice ${choice.role}`);
      button.type = "button";
      button.dataset.token = choice.token;
      const lngOfChoice = languageOf(choice.token);
      if (lngOfChoice) button.lang = lngOfChoice;
      if (numbered[at] !== undefined) button.append(element("span", "num", String(numbered[at])), " ");
      button.append(element("span", "label", choice.label));
      if (choice.selected !== undefined) button.setAttribute("aria-pressed", String(choice.selected));
      const toggle = choice.role === "option" && message.expects === "multichoice";
      button.addEventListener("click", () => {
        if (!toggle) button.classList.add("chosen");
        void send({ kind: "choice", token: choice.token }, toggle ? null : choice.label);
      });
      choices.append(button);
    });
    bubble.append(choices);
  }
  // A multiple-choice toggle answers with the same question: update it in place.
  const sameQuestion =
    lastPrompt &&
    message.ref &&
    lastPrompt.dataset.ref === bubble.dataset.ref &&
    message.expects === "multichoice" &&
    lastPrompt === log.lastElementChild;
  if (sameQuestion) lastPrompt.replaceWith(bubble);
  else log.append(bubble);
  lastPrompt = bubble;
  return bubble;
}

/** An answered question keeps its options as plain text (the one chosen marked), no longer as buttons. */
function settle() {
  for (const button of log.querySelectorAll("[data-kind=prompt] button")) {
    const text = element("span", `${button.className} answered`);
    if (button.getAttribute("aria-pressed") === "true") text.classList.add("chosen");
    if (button.lang) text.lang = button.lang;
    text.append(...button.childNodes);
    button.replaceWith(text);
  }
  for (const prompt of log.querySelectorAll("[data-kind=prompt][tabindex]")) prompt.removeAttribute("tabindex");
}

/**
 * Focus on the new question, unless the person is writing: the text box for a question answered by
 * typing (a number opens the phone's number keys), else the question itself, read out first.
 */
function focusQuestion(prompt, token) {
  const expects = prompt.dataset.expects;
  const mode = expects === "number" ? "numeric" : "text";
  if (input.inputMode !== mode) {
    input.inputMode = mode;
    // A phone shows the keyboard for the new mode only once the box is focused again.
    if (document.activeElement === input && !typing()) input.blur();
  }
  if (typing() || restartDialog.open) return;
  const same = token && prompt.querySelector(`button[data-token="${CSS.escape(token)}"]`);
  if (same) same.focus({ preventScroll: true });
  else if (expects === "number" || expects === "text") input.focus({ preventScroll: true });
  else prompt.focus({ preventScroll: true });
}

function listen() {
  events?.close();
  events = new EventSource("/api/chat/events");
  events.addEventListener("messages", (event) => show(JSON.parse(event.data), false));
}

/** A reply (`own`: to the person's message) or a push: its messages, the question now asked, the language. */
function show(reply, own) {
  if (reply.cleared) {
    // Erased (/borrar): nothing of the conversation stays on the screen; the language does.
    log.replaceChildren();
    lastPrompt = null;
    asked = null;
  }
  const lng = reply.language ?? language;
  const focused = log.contains(document.activeElement) ? document.activeElement?.dataset.token : undefined;
  if (own || reply.messages.some((message) => message.kind === "prompt")) settle();
  let prompt = null;
  for (const message of reply.messages) {
    if (message.kind === "prompt") prompt = renderPrompt(message, lng);
    else say(message.text, "bot", lng);
  }
  if (reply.asked) asked = reply.asked;
  // The engine says which language the person now has, however they chose it (tap or typing).
  if (reply.language) {
    chosen = true;
    if (reply.language !== language) applyChrome(reply.language);
  }
  if (prompt) focusQuestion(prompt, focused);
  scrollToEnd(prompt);
}

function notice(key, fallback) {
  const line = element("div", "error", textsOf(language)[key] ?? fallback);
  line.lang = language;
  log.append(line);
  scrollToEnd();
}

/** Sends a message and shows the reply; resolves to the HTTP status (0 offline). `quiet`: no notice for it. */
async function send(content, echo, quiet = []) {
  if (echo) say(echo, "me", language);
  scrollToEnd();
  try {
    const message = {
      id: crypto.randomUUID(),
      // Once the person has a language, a chat that starts again (after /borrar) starts in it.
      languageCode: chosen ? language : navigator.language,
      content,
    };
    if (asked) message.basis = asked;
    const response = await fetch("/api/chat/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    });
    if (response.status === 429) {
      notice("slowDown", "Too fast");
      return 429;
    }
    if (!response.ok) {
      if (!quiet.includes(response.status)) notice("offline", "Offline");
      return response.status;
    }
    show(await response.json(), true);
    return 200;
  } catch {
    notice("offline", "Offline");
    return 0;
  }
}

/** A chat from the server: the one this browser has (`fresh: false`) or a new one. */
async function openChat(fresh, keep) {
  const response = await fetch("/api/chat/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ fresh }),
  });
  if (response.status === 429) {
    notice("slowDown", "Too fast");
    return false;
  }
  if (!response.ok) {
    notice("offline", "Offline");
    return false;
  }
  if (!keep) log.replaceChildren();
  lastPrompt = null;
  asked = null;
  open = true;
  listen();
  return true;
}

async function begin(fresh, keep = false) {
  if (await openChat(fresh, keep)) await send({ kind: "text", text: "/start" }, null);
}

/** A chat left in this browser: its owner may be back, or someone else sits here now. */
function askWhetherToResume() {
  open = false;
  const texts = textsOf(language);
  const bubble = element("div", "bubble bot");
  bubble.dataset.kind = "prompt";
  bubble.dataset.resume = "";
  bubble.lang = language;
  bubble.tabIndex = -1;
  bubble.append(element("div", "text", texts.resumeQuestion));
  const choices = element("div", "choices");
  for (const [label, fresh] of [
    [texts.resume, false],
    [texts.fresh, true],
  ]) {
    const button = element("button", "choice option");
    button.append(element("span", "label", label));
    button.type = "button";
    button.addEventListener("click", () => {
      button.classList.add("chosen");
      settle();
      void begin(fresh);
    });
    choices.append(button);
  }
  bubble.append(choices);
  log.replaceChildren(bubble);
  bubble.focus();
}

document.getElementById("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  // No chat yet: the question whether to continue the one left here comes first.
  if (!open) return void log.querySelector("[data-resume]")?.focus();
  input.value = "";
  void send({ kind: "text", text }, text);
});

languageSelect.addEventListener("change", () => {
  if (open) return void send({ kind: "choice", token: `l:${languageSelect.value}` }, null);
  chosen = true;
  applyChrome(languageSelect.value);
  askWhetherToResume();
});

// "Start again" asks first: what the bot kept of this chat is erased, and a new chat begins.
restartButton.addEventListener("click", () => restartDialog.showModal());
document.getElementById("restart-no").addEventListener("click", () => restartDialog.close());
document.getElementById("restart-yes").addEventListener("click", async () => {
  restartDialog.close();
  const status = await send({ kind: "text", text: "/delete" }, null, [401]);
  // Erased, or there was no chat to erase: a new one, in the person's language.
  if (status === 200 || status === 401) await begin(true, status === 200);
});

async function boot() {
  chrome = await (await fetch("/api/chat/texts")).json();
  for (const [code, texts] of Object.entries(chrome)) {
    const option = new Option(texts.name, code);
    option.lang = code;
    languageSelect.append(option);
  }
  const preferred = (navigator.language || "es").slice(0, 2).toLowerCase();
  applyChrome(chrome[preferred] ? preferred : "es");
  const { resumable } = await (await fetch("/api/chat/session")).json();
  if (resumable) askWhetherToResume();
  else await begin(false);
}

void boot();
