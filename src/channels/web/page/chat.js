// The local web chat: renders the engine's outbound messages (text, prompts with choices) and
// sends typed text or tapped choices back. All wording comes from the server (locales). Messages
// nobody asked for just now (a person from the office writes) arrive as server-sent events.
const log = document.getElementById("log");
const input = document.getElementById("input");
const languageSelect = document.getElementById("language");
const storageKey = "puente.chatId";
let chatId = localStorage.getItem(storageKey) || newChatId();
let chrome = {};
let language = "es";
let lastPrompt = null;
let events = null;

function newChatId() {
  const id = crypto.randomUUID();
  localStorage.setItem(storageKey, id);
  return id;
}

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
  events = new EventSource(`/api/chat/events?chatId=${encodeURIComponent(chatId)}`);
  events.addEventListener("messages", (event) => {
    const pushed = JSON.parse(event.data);
    render(pushed.messages);
    if (pushed.language && pushed.language !== language) applyChrome(pushed.language);
  });
}

function render(messages) {
  for (const old of log.querySelectorAll("[data-kind=prompt] button")) old.disabled = true;
  for (const message of messages) {
    if (message.kind === "prompt") renderPrompt(message);
    else say(message.text, "bot");
  }
}

async function send(content, echo) {
  if (echo) say(echo, "me");
  try {
    const response = await fetch("/api/chat/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: crypto.randomUUID(), chatId, languageCode: navigator.language, content }),
    });
    if (!response.ok) throw new Error(String(response.status));
    const reply = await response.json();
    render(reply.messages);
    // The engine says which language the person now has, however they chose it (tap or typing).
    if (reply.language && reply.language !== language) applyChrome(reply.language);
  } catch {
    log.append(element("div", "error", (chrome[language] ?? chrome.es)?.offline ?? "Offline"));
  }
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

document.getElementById("restart").addEventListener("click", async () => {
  await send({ kind: "text", text: "/delete" }, null);
  chatId = newChatId();
  log.replaceChildren();
  lastPrompt = null;
  listen();
  void send({ kind: "text", text: "/start" }, null);
});

async function boot() {
  chrome = await (await fetch("/api/chat/texts")).json();
  for (const [code, texts] of Object.entries(chrome)) languageSelect.append(new Option(texts.name, code));
  const preferred = (navigator.language || "es").slice(0, 2).toLowerCase();
  applyChrome(chrome[preferred] ? preferred : "es");
  listen();
  void send({ kind: "text", text: "/start" }, null);
}

void boot();
