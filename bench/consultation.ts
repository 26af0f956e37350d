/**
 * The real consultation (flows/consulta.yaml) as a person would answer it on Telegram: the link,
 * the language, consent, every question that applies (one follow-up included: children at school),
 * two multiple choices ticked and closed with "done", a typed comment, and the review confirmed.
 * Only Puente runs it: the peer has no such survey.
 */
import { scrub } from "../src/core/anonymity/scrub.js";
import type { Answer } from "../src/core/flows/schema.js";
import { buttonsOf, type FakeBotApi } from "./fake-bot-api.js";
import { type PuenteBot, puentePosition } from "./puente-bot.js";
import { SURVEY_LANGUAGE } from "./survey.js";
import { BenchError, describe, expectTapAnswered, expectText, type Move } from "./walk.js";

export const CONSULTATION = "consulta";

type Act = { tap: string } | { type: string };

interface Step {
  /** Where the person is when acting: a step id, `language`, `_review`, or "" before the first message. */
  at: string;
  act: Act;
  answers: boolean;
}

const COMMENT = "Llegamos hace dos años; buscamos trabajo y un cupo en el jardín para la niña.";

const option = (step: string, id: string): Step => ({
  at: step,
  act: { tap: `a:${CONSULTATION}:${step}:${id}` },
  answers: true,
});

const PATH: readonly Step[] = [
  { at: "", act: { type: `/start ${CONSULTATION}` }, answers: false },
  { at: "language", act: { tap: `l:${SURVEY_LANGUAGE}` }, answers: false },
  option("consent", "yes"),
  option("age_band", "a30_44"),
  option("nationality", "venezuela"),
  option("gender", "woman"),
  option("time_in_chile", "y1_2"),
  option("commune", "quilicura"),
  option("household_band", "three_four"),
  option("minors_band", "two"),
  option("children_school", "all"),
  option("spanish_level", "good"),
  option("education", "secondary"),
  option("work", "informal"),
  option("housing", "rented_room"),
  option("health", "fonasa"),
  option("cesfam", "yes"),
  option("rsh", "dont_know"),
  option("disability", "no"),
  option("needs", "work"),
  option("needs", "health"),
  { at: "needs", act: { tap: `c:${CONSULTATION}:needs:done` }, answers: true },
  option("migratory_status", "temporary"),
  option("discrimination", "no"),
  option("heard_from", "friends_family"),
  option("knows_programmes", "neither"),
  option("info_channel", "whatsapp"),
  { at: "info_channel", act: { tap: `c:${CONSULTATION}:info_channel:done` }, answers: true },
  { at: "comment", act: { type: COMMENT }, answers: true },
  { at: "_review", act: { tap: `r:${CONSULTATION}:confirm` }, answers: true },
];

/** What the stored response must hold. */
export function consultationAnswers(): Record<string, Answer> {
  return {
    consent: true,
    age_band: "a30_44",
    nationality: "venezuela",
    gender: "woman",
    time_in_chile: "y1_2",
    commune: "quilicura",
    household_band: "three_four",
    minors_band: "two",
    children_school: "all",
    spanish_level: "good",
    education: "secondary",
    work: "informal",
    housing: "rented_room",
    health: "fonasa",
    cesfam: "yes",
    rsh: "dont_know",
    disability: false,
    needs: ["work", "health"],
    migratory_status: "temporary",
    discrimination: false,
    heard_from: "friends_family",
    knows_programmes: "neither",
    info_channel: ["whatsapp"],
    comment: scrub(COMMENT),
  };
}

/** The moves: after each, the question the person sees must be the next step's (or the thanks, at the end). */
export function consultationScript(puente: PuenteBot): Move[] {
  const done = puente.t(`${CONSULTATION}:done`);
  return PATH.map((step, at) => {
    const next = PATH[at + 1];
    const act = step.act;
    return {
      label: `${step.at || "(new chat)"}: ${"tap" in act ? `taps ${act.tap}` : `types "${act.type.slice(0, 16)}"`}`,
      answers: step.answers,
      update: (fake: FakeBotApi, chatId: number) =>
        "tap" in act ? fake.tap(chatId, act.tap) : fake.message(chatId, act.type),
      check: (calls, fake, chatId) => {
        if ("tap" in act) expectTapAnswered(calls, step.at);
        if (!next) {
          expectText(calls, done, step.at);
          return;
        }
        const position = puentePosition(buttonsOf(fake.shown(chatId)?.reply_markup));
        if (position !== next.at)
          throw new BenchError(`${step.at}: expected the question "${next.at}", got "${position}": ${describe(calls)}`);
      },
    };
  });
}
