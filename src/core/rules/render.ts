import type { OutboundMessage } from "../engine/messages.js";
import type { Answers } from "../flows/schema.js";
import type { Language } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import type { Area, RuleBook, RuleResult } from "./rulebook.js";
import type { Outcome } from "./schema.js";

const ICONS: Record<Outcome, string> = { likely: "✅", maybe: "🔎", other_door: "➡️" };
const ORDER: Record<Outcome, number> = { likely: 0, maybe: 1, other_door: 2 };
/** A message no longer than this reads on a small screen without scrolling a wall of text. */
export const MAX_AREA_MESSAGE = 600;

/**
 * A screening's results in the person's language: a line on what follows, then one short message
 * per area that has something for them — the areas they asked about first, in the order they
 * chose them — each with its benefits (most useful first: what they can ask for, what the office
 * will check, where else to go), what to bring and where to go.
 */
export function renderResults(
  book: RuleBook,
  texts: Texts,
  lng: Language,
  results: RuleResult[],
  answers: Answers,
): OutboundMessage[] {
  const t = (key: string, values?: Record<string, string | number>) => texts.t(lng, key, values);
  const chosen = Array.isArray(answers[book.catalog.needs]) ? (answers[book.catalog.needs] as string[]) : [];
  const rank = (area: Area) => {
    const at = chosen.indexOf(area.need);
    return at >= 0 ? at : chosen.length + book.areas.indexOf(area);
  };
  const areas = [...book.areas].sort((a, b) => rank(a) - rank(b));
  const messages: OutboundMessage[] = [{ kind: "text", text: t("rules:results.intro") }];
  for (const area of areas) {
    const mine = results
      .filter((result) => result.area === area.area)
      .sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome]);
    if (mine.length === 0) continue;
    messages.push({ kind: "text", text: fitArea(book, t, lng, area, mine) });
  }
  return messages;
}

type Translate = (key: string, values?: Record<string, string | number>) => string;

/**
 * One area's message, the fullest that fits in MAX_AREA_MESSAGE: every benefit's title always;
 * then, as room allows, the Spanish official names of the documents (what offices call them), the
 * reasons of what is not sure, more than two documents, more than two places, any reason at all,
 * and last what to bring and where to go.
 */
function fitArea(book: RuleBook, t: Translate, lng: Language, area: Area, results: RuleResult[]): string {
  const compose = (detail: number): string => {
    const lines = [`${area.icon} ${t(area.title)}`];
    for (const result of results) {
      const reasoned = detail <= 1 || (detail <= 4 && result.outcome === "likely");
      lines.push(`${ICONS[result.outcome]} ${t(result.title)}${reasoned ? `: ${t(result.reason)}` : ""}.`);
    }
    const documents = unique(results.flatMap((result) => result.documents))
      .slice(0, detail <= 2 ? undefined : 2)
      .map((id) => {
        const document = book.catalog.documents[id];
        if (!document) return id;
        // Offices know documents by their Spanish names: kept beside the plain words while there is room.
        return lng === "es" || detail >= 1 ? t(document.plain) : `${t(document.plain)} (${document.official})`;
      });
    const places = unique(results.flatMap((result) => result.places))
      .slice(0, detail <= 3 ? undefined : 2)
      .map((id) => t(book.catalog.places[id]?.name ?? id));
    if (documents.length && detail < 6) lines.push(t("rules:results.bring", { documents: documents.join("; ") }));
    if (places.length && detail < 6) lines.push(t("rules:results.where", { places: places.join(" · ") }));
    return lines.join("\n");
  };
  for (let detail = 0; detail < 6; detail++) {
    const text = compose(detail);
    if (text.length <= MAX_AREA_MESSAGE) return text;
  }
  // Titles only: short by design, and the office tells the rest.
  return compose(6);
}

/** The outcomes as staff read them in a case's summary, in Spanish. */
export function summarizeResults(texts: Texts, results: RuleResult[]): Array<{ question: string; answer: string }> {
  return results.map((result) => ({
    question: texts.t("es", "rules:results.summary"),
    answer: `${texts.t("es", result.title)}: ${texts.t("es", `rules:outcome.${result.outcome}`)}`,
  }));
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
