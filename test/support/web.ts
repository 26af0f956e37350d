import type { WebReply } from "../../src/channels/web/channel.js";
import { type InboundContent, lastPrompt } from "../../src/core/engine/messages.js";

/**
 * A browser's side of the web chat over plain HTTP: it opens a chat (the server's cookie), then
 * sends messages with that cookie and the question it was last shown, as the page does.
 */
export class WebChatClient {
  cookie: string | undefined;
  /** The question last shown, sent back as the basis of the next message. */
  asked: string | undefined;

  constructor(
    readonly url: string,
    readonly headers: Record<string, string> = {},
    readonly languageCode = "es",
  ) {}

  /** Asks the server for a chat (the one this client has, unless `fresh`); the response as it came. */
  async open(fresh = false): Promise<Response> {
    const response = await fetch(`${this.url}/api/chat/session`, {
      method: "POST",
      headers: this.#headers(),
      body: JSON.stringify({ fresh }),
    });
    this.#keep(response);
    return response;
  }

  /** Sends a message and returns the raw response: for tests of what the server refuses. */
  async post(body: unknown): Promise<Response> {
    const response = await fetch(`${this.url}/api/chat/messages`, {
      method: "POST",
      headers: this.#headers(),
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    this.#keep(response);
    return response;
  }

  /** Typed text or a tap, answered with 200; the reply. */
  async say(content: string | InboundContent): Promise<WebReply> {
    if (!this.cookie) {
      const opened = await this.open();
      if (!opened.ok) throw new Error(`no chat: ${opened.status}`);
    }
    const response = await this.post({
      languageCode: this.languageCode,
      content: typeof content === "string" ? { kind: "text", text: content } : content,
      ...(this.asked ? { basis: this.asked } : {}),
    });
    if (response.status !== 200) throw new Error(`the web chat answered ${response.status}`);
    const reply = (await response.json()) as WebReply;
    if (reply.asked) this.asked = reply.asked;
    return reply;
  }

  #headers(): Record<string, string> {
    return { "content-type": "application/json", ...(this.cookie ? { cookie: this.cookie } : {}), ...this.headers };
  }

  #keep(response: Response): void {
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
  }
}

/**
 * The whole consultation on the web chat and its submission: yes to the consent, then the second
 * option (one tick, or a skip) of every question, "2" where a number is asked, and confirm.
 */
export async function answerConsultation(person: WebChatClient): Promise<WebReply> {
  let reply = await person.say("/start consulta");
  for (let asked = 0; reply.asked !== "consulta/_review"; asked++) {
    if (asked > 40) throw new Error(`never reached the review: ${reply.asked}`);
    const prompt = lastPrompt(reply.messages);
    const options = prompt?.choices.filter((choice) => choice.role === "option") ?? [];
    const ticked = prompt?.expects === "multichoice" && options.some((option) => option.selected);
    const choice = ticked
      ? prompt?.choices.find((c) => c.role === "done")
      : reply.asked === "consulta/consent"
        ? options[0]
        : (options[1] ?? prompt?.choices.find((c) => c.role === "skip"));
    reply = await person.say(choice ? { kind: "choice", token: choice.token } : "2");
  }
  return person.say("1");
}
