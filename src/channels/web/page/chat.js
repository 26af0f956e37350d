// The web chat: renders the engine's outbound messages (text, prompts with choices) and sends
// typed text or tapped choices back. All wording comes from the server (locales). The chat is the
// server's: it lives in an HttpOnly cookie this script never sees. Messages nobody asked for just
// now (a person from the office writes) arrive as server-sent events.
const log = document.getElementById("log");
const input = document.getElementById("input");
const languageSelect = document.getElementById("language");
let chrome = {};
let language = "es";
let lastPrompt = null;
// The question on screen, as the server named it: sent back so an answer is never taken for another.
let asked = null;
let events = null;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function applyChrome(lng) {
  const texts = chrome[lng] || chrome.es;
  if (!texts) return;
  language = lng;
  document.documentElement.lang = lng;
  document.title = texts.title;
  document.getElementById("notice").textContent = texts.notice;
  document.getElementById("restart").textContent = texts.restart;
  document.getElementById("send").textContent = texts.send;
  input.placeholder = texts.placeholder;
  languageSelect.value = lng;
}

function say(text, who) {
  const bubble = element("div", `bubble ${who}`, text);
  log.append(bubble);
  log.scrollTop = log.scrollHeight;
  return bubble;
}

function renderPrompt(message) {
  const bubble = element("div", "bubble bot");
  bubble.dataset.kind = "prompt";
  if (message.ref) bubble.dataset.ref = `${message.ref.flow}/${message.ref.step}`;
  if (message.progress)
    bubble.append(element("div", "progress", `${message.progress.index}/${message.progress.total}`));
  bubble.append(element("div", "text", message.text));
  if (message.hint) bubble.append(element("div", "hint", message.hint));
  if (message.choices.length) {
    const choices = element("div", "choices");
    for (const choice of message.choices) {
      const button = element("button", `choice ${choice.role}`, choice.label);
      button.type = "button";
      button.dataset.token = choice.token;
      if (choice.selected !== undefined) button.setAttribute("aria-pressed", String(choice.selected));
      button.addEventListener("click", () =>
        send(
          { kind: "choice", token: choice.token },
          choice.role === "option" && message.expects === "multichoice" ? null : choice.label,
        ),
      );
      choices.append(button);
    }
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
  log.scrollTop = log.scrollHeight;
}

function listen() {
  events?.close();
  events = new EventSource("/api/chat/events");
  events.addEventListener("messages", (event) => show(JSON.parse(event.data)));
}

/** A reply or a push: its messages, the question now asked, the person's language. */
function show(reply) {
  for (const old of log.querySelectorAll("[data-kind=prompt] button")) old.disabled = true;
  for (const message of reply.messages) {
    if (message.kind === "prompt") renderPrompt(message);
    else say(message.text, "bot");
  }
  if (reply.asked) asked = reply.asked;
  // The engine says which language the person now has, however they chose it (tap or typing).
  if (reply.language && reply.language !== language) applyChrome(reply.language);
}

function notice(key, fallback) {
  log.append(element("div", "error", (chrome[language] ?? chrome.es)?.[key] ?? fallback));
  log.scrollTop = log.scrollHeight;
}

async function send(content, echo) {
  if (echo) say(echo, "me");
  try {
    const message = { id: crypto.randomUUID(), languageCode: navigator.language, content };
    if (asked) message.basis = asked;
    const response = await fetch("/api/chat/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
    });
    if (response.status === 429) return notice("slowDown", "Too fast");
    if (!response.ok) throw new Error(String(response.status));
    show(await response.json());
  } catch {
    notice("offline", "Offline");
  }
}

/** A chat from the server: the one this browser has (`fresh: false`) or a new one. */
async function openChat(fresh) {
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
  log.replaceChildren();
  lastPrompt = null;
  asked = null;
  listen();
  return true;
}

async function begin(fresh) {
  if (await openChat(fresh)) await send({ kind: "text", text: "/start" }, null);
}

/** A chat left in this browser: its owner may be back, or someone else sits here now. */
function askWhetherToResume() {
  const texts = chrome[language] ?? chrome.es;
  const bubble = element("div", "bubble bot");
  bubble.dataset.kind = "prompt";
  bubble.append(element("div", "text", texts.resumeQuestion));
  const choices = element("div", "choices");
  for (const [label, fresh] of [
    [texts.resume, false],
    [texts.fresh, true],
  ]) {
    const button = element("button", "choice option", label);
    button.type = "button";
    button.addEventListener("click", () => void begin(fresh));
    choices.append(button);
  }
  bubble.append(choices);
  log.append(bubble);
  choices.querySelector("button")?.focus();
}

document.getElementById("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  void send({ kind: "text", text }, text);
});

languageSelect.addEventListener(
  "change",
  () => void send({ kind: "choice", token: `l:${languageSelect.value}` }, null),
);

// "Start again": what the bot kept of this chat is erased, and a new chat begins.
document.getElementById("restart").addEventListener("click", async () => {
  await send({ kind: "text", text: "/delete" }, null);
  await begin(true);
});

async function boot() {
  chrome = await (await fetch("/api/chat/texts")).json();
  for (const [code, texts] of Object.entries(chrome)) languageSelect.append(new Option(texts.name, code));
  const preferred = (navigator.language || "es").slice(0, 2).toLowerCase();
  applyChrome(chrome[preferred] ? preferred : "es");
  const { resumable } = await (await fetch("/api/chat/session")).json();
  if (resumable) askWhetherToResume();
  else await begin(false);
}

void boot();
