import { whenText } from "../../office/render.js";
import type { ParsedCommand } from "../commands.js";
import type { CaseEvent } from "../events.js";
import type { OutboundMessage } from "../messages.js";
import type { Session, StaffMode as StaffModeState } from "../session.js";
import { change, keep, type Turn, type TurnContext } from "../turn.js";
import { type Input, lngOf, type ModeDeps, type ModeHandler, type SessionIn } from "./mode.js";

/**
 * With staff: the person asked for a person and a case is open. What they write goes to the office;
 * what staff write comes back. The bot says nothing of its own meanwhile, but for commands and a
 * few lines said once (the first message reached the office; do not send identity documents).
 */
export class StaffMode implements ModeHandler<"staff"> {
  constructor(private readonly deps: ModeDeps) {}

  receive(session: SessionIn<"staff">, { content }: Input, ctx: TurnContext): Turn {
    const { render } = this.deps;
    const lng = lngOf(session);
    const mode = session.mode;
    if (content.kind === "choice") return keep(session, [this.#withStaff(session)]);
    const at = ctx.now.toISOString();
    const relayed =
      content.kind === "text"
        ? { kind: "text" as const, text: content.text }
        : { kind: "media" as const, what: content.what, ...(content.ref ? { ref: content.ref } : {}) };
    const said: OutboundMessage[] = [];
    const told = new Set(mode.told);
    if (relayed.kind === "media" && !told.has("media")) {
      // The warning also says it reached the office.
      said.push(render.text(lng, "common:handoff.mediaWarning"));
      told.add("media");
      told.add("relayed");
    } else if (mode.status === "waiting" && !told.has("relayed")) {
      said.push(render.text(lng, "common:handoff.relayed"));
      told.add("relayed");
    }
    const next: Session = { ...session, mode: { ...mode, told: [...told] } };
    return change(next, said, [{ kind: "relay", id: ctx.newId(), caseId: mode.caseId, at, content: relayed }]);
  }

  command(session: SessionIn<"staff">, { command }: ParsedCommand, ctx: TurnContext): Turn | undefined {
    const { render, moves } = this.deps;
    const lng = lngOf(session);
    switch (command) {
      case "cancel": {
        const turn = moves.toMenu(session, [render.text(lng, "common:handoff.ended")]);
        turn.effects.push({ kind: "leave-case", caseId: session.mode.caseId, why: "ended", at: ctx.now.toISOString() });
        return turn;
      }
      case "start":
      case "menu":
      case "person":
        return keep(session, [this.#withStaff(session)]);
      case "help":
        return keep(session, [render.text(lng, "common:help"), this.#withStaff(session)]);
      default:
        return undefined;
    }
  }

  event(session: SessionIn<"staff">, event: CaseEvent, ctx: TurnContext): Turn | undefined {
    const { render, moves, office, texts } = this.deps;
    const mode = session.mode;
    if (event.caseId !== mode.caseId) return undefined;
    const lng = lngOf(session);
    const to = (next: StaffModeState, messages: OutboundMessage[]) =>
      change({ ...session, mode: next }, [], [{ kind: "push", id: event.id, caseId: mode.caseId, lng, messages }]);
    switch (event.kind) {
      case "case-opened": {
        const next = office.nextOpening(ctx.now);
        const when =
          next === undefined || next.now
            ? render.text(lng, "common:handoff.openNow")
            : render.text(lng, "common:handoff.openLater", { when: whenText(next, texts, lng) });
        return to({ ...mode, code: event.code }, [
          render.text(lng, "common:handoff.opened", { code: event.code }),
          when,
        ]);
      }
      case "case-claimed":
        return to({ ...mode, status: "live" }, [
          event.staffName
            ? render.text(lng, "common:handoff.claimedBy", { name: event.staffName })
            : render.text(lng, "common:handoff.claimed"),
        ]);
      case "staff-message":
        return to({ ...mode, status: "live" }, [render.text(lng, "common:handoff.fromStaff", { text: event.text })]);
      case "case-closed": {
        const turn = moves.toMenu(session, [render.text(lng, "common:handoff.closed")]);
        return change(
          turn.session,
          [],
          [{ kind: "push", id: event.id, caseId: mode.caseId, lng, messages: turn.messages }],
        );
      }
    }
  }

  current(session: SessionIn<"staff">): OutboundMessage[] {
    return [this.#withStaff(session)];
  }

  #withStaff(session: SessionIn<"staff">): OutboundMessage {
    const lng = lngOf(session);
    const code = session.mode.code;
    return code
      ? this.deps.render.text(lng, "common:handoff.withStaff", { code })
      : this.deps.render.text(lng, "common:handoff.withStaffNoCode");
  }
}
