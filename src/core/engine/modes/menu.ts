import type { Flow } from "../../flows/compile.js";
import { fold, plainDigits } from "../../i18n/words.js";
import type { OutboundMessage } from "../messages.js";
import { keep, type Turn, type TurnContext } from "../turn.js";
import { type Input, lngOf, type ModeDeps, type ModeHandler, type SessionIn } from "./mode.js";

/**
 * At the menu: a tap or a typed number or title starts a flow; the item after the flows opens the
 * language picker. Just after a flow that offers a hand-off, the menu is preceded by that offer,
 * and "1" means "talk to a person" about what was just done.
 */
export class MenuMode implements ModeHandler<"menu"> {
  readonly #listed: Flow[];

  constructor(private readonly deps: ModeDeps) {
    this.#listed = [...deps.flows.values()].filter((flow) => flow.listed);
  }

  receive(session: SessionIn<"menu">, { content, token }: Input, ctx: TurnContext): Turn {
    const { moves, render, flows } = this.deps;
    const lng = lngOf(session);
    const offer = session.mode.offer;
    const plain = { ...session, mode: { kind: "menu" as const } };
    if (token?.kind === "handoff" && offer) return moves.startHandoff(plain, lng, [], ctx, offer);
    if (token?.kind === "home") return moves.toMenu(plain, []);
    let chosen: Flow | undefined;
    if (token?.kind === "menu") chosen = flows.get(token.flow);
    if (content.kind === "text") {
      const typed = fold(plainDigits(content.text));
      if (offer && typed === "1") return moves.startHandoff(plain, lng, [], ctx, offer);
      if (offer && typed === "2") return moves.toMenu(plain, []);
      chosen = /^\d{1,2}$/.test(typed)
        ? this.#listed[Number(typed) - 1]
        : this.#listed.find((flow) => fold(this.deps.texts.t(lng, flow.titleKey)) === typed);
      if (!chosen && /^\d{1,2}$/.test(typed) && Number(typed) === this.#listed.length + 1)
        return moves.pickLanguage(session, { kind: "menu" });
    }
    if (chosen) return moves.startFlow(plain, chosen, lng, [], ctx);
    const why =
      content.kind === "unsupported"
        ? "common:unsupported"
        : content.kind === "choice"
          ? "common:stale"
          : "common:menu.unknown";
    return keep(session, [render.text(lng, why), ...this.current(session)]);
  }

  command(): Turn | undefined {
    return undefined;
  }

  event(): Turn | undefined {
    return undefined;
  }

  current(session: SessionIn<"menu">): OutboundMessage[] {
    const lng = lngOf(session);
    if (session.mode.offer) return [this.deps.render.offer(lng)];
    return [this.deps.render.menu(lng)];
  }
}
