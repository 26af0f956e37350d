import { describe, expect, it } from "vitest";
import { encodeSession, type Session, sessionSchema } from "../../src/core/engine/session.js";

/** Every live chat holds one stored session: what the schema can fill in is not stored, and nothing is lost. */
const flow = (context: { editing: string | null; pending: string[] }) => ({
  id: "consulta",
  version: 2,
  state: "age",
  context: { answers: { consent: "yes", needs: ["food", "work"], household_band: "3_4" }, ...context },
});

const sessions: Array<[string, Session]> = [
  ["the menu", { lng: "ht", mode: { kind: "menu" }, seen: ["tg1"] }],
  [
    "a flow, nothing being changed",
    { lng: "es", mode: { kind: "flow", flow: flow({ editing: null, pending: [] }) }, seen: ["tg1", "tg2"] },
  ],
  [
    "a flow, an answer being changed",
    { lng: "fr", mode: { kind: "flow", flow: flow({ editing: "age", pending: ["children_school"] }) }, seen: [] },
  ],
  [
    "choosing a language in the middle of a flow",
    {
      lng: "pt",
      mode: { kind: "language", suggested: "pt", resume: { kind: "flow", flow: flow({ editing: null, pending: [] }) } },
      seen: [],
    },
  ],
];

describe("a stored session", () => {
  it.each(sessions)("reads back as it was: %s", (_, session) => {
    expect(sessionSchema.parse(JSON.parse(encodeSession(session)))).toEqual(session);
  });

  it("leaves out what is not being changed, and keeps what is", () => {
    const [, idle, changing, resuming] = sessions.map(([, session]) => encodeSession(session));
    for (const stored of [idle, resuming]) {
      expect(stored).not.toContain("editing");
      expect(stored).not.toContain("pending");
    }
    expect(changing).toContain('"editing":"age"');
    expect(changing).toContain('"pending":["children_school"]');
    expect((idle?.length ?? 0) + 25).toBeLessThanOrEqual(JSON.stringify(sessions[1]?.[1]).length);
  });
});
