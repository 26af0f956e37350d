import { type Flow, listedFlows } from "../../flows/compile.js";
import { fold, plainDigits } from "../../i18n/words.js";
import type { OutboundMessage } from "../messages.js";
import { parseToken } from "../tokens.js";
import { keep, type Turn, type TurnContext } from "../turn.js";
import { type Input, lngOf, type ModeDeps, type ModeHandler, type SessionIn, unreadableKey } from "./mode.js";

/**
 * At the menu: a tap or a typed number or title starts a flow; the item after the flows opens the
 * language picker. Just after a flow that offers a hand-off, the menu is preceded by that offer,
 * and "1" means "talk to a person" about what was just done.
 */
export class MenuMode implements ModeHandler<"menu"> {
  readonly #listed: Flow[];

  constructor(private readonly deps: ModeDeps) {
    this.#listed = listedFlows(deps.flows);
  }

  receive(session: SessionIn<"menu">, { content, token }: Input, ctx: TurnContext): Turn {
    const { moves, render, flows } = this.deps;
    const lng = lngOf(session);
    const offer = session.mode.offer;
    const plain = { ...session, mode: { kind: "menu" as const } };
    // The offer's choices by number, as its prompt listed them.
    const typed = content.kind === "text" ? fold(plainDigits(content.text)) : "";
    const picked =
      offer && /^\d$/.test(typed) ? render.offer(lng, offer.again).choices[Number(typed) - 1]?.token : undefined;
    const read = picked ? parseToken(picked) : token;
    if (read?.kind === "handoff" && offer) return moves.startHandoff(plain, lng, [], ctx, offer);
    if (read?.kind === "home") return moves.toMenu(plain, []);
    let chosen: Flow | undefined;
    if (read?.kind === "menu") chosen = flows.get(read.flow);
    if (content.kind === "text" && !chosen && !(offer && /^\d{1,2}$/.test(typed))) {
      chosen = /^\d{1,2}$/.test(typed)
        ? this.#listed[Number(typed) - 1]
        : this.#listed.find((flow) => fold(this.deps.texts.t(lng, flow.titleKey)) === typed);
      if (!chosen && /^\d{1,2}$/.test(typed) && Number(typed) === this.#listed.length + 1)
        return moves.pickLanguage(session, { kind: "menu" });
    }
    if (chosen) return moves.startFlow(plain, chosen, lng, [], ctx);
    const why =
      content.kind === "unsupported"
        ? unreadableKey(content.what)
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
    if (session.mode.offer) return [this.deps.render.offer(lng, session.mode.offer.again)];
    return [this.deps.render.menu(lng)];
  }
}
