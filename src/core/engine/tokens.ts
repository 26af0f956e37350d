import { isLanguage, type Language } from "../i18n/languages.js";

/**
 * The tokens behind choices. Short (Telegram allows 64 bytes of callback data) and naming the
 * flow and step they belong to, so a tap on an old question's button is recognised as stale.
 */
export type Control = "back" | "skip" | "done";
export type ReviewAction = "confirm" | "change" | "back";

export type ParsedToken =
  | { kind: "language"; lng: Language }
  | { kind: "openLanguages" }
  | { kind: "menu"; flow: string }
  | { kind: "home" }
  | { kind: "handoff" }
  | { kind: "answer"; flow: string; step: string; option: string }
  | { kind: "control"; flow: string; step: string; control: Control }
  | { kind: "review"; flow: string; action: ReviewAction }
  | { kind: "edit"; flow: string; step: string };

export const tokens = {
  language: (lng: Language) => `l:${lng}`,
  openLanguages: "l:?",
  menu: (flow: string) => `m:${flow}`,
  /** The menu itself, from a prompt that offered something else first. */
  home: "m:-",
  /** "Talk to a person" about the flow just finished. */
  handoff: "h:go",
  answer: (flow: string, step: string, option: string) => `a:${flow}:${step}:${option}`,
  control: (flow: string, step: string, control: Control) => `c:${flow}:${step}:${control}`,
  review: (flow: string, action: ReviewAction) => `r:${flow}:${action}`,
  edit: (flow: string, step: string) => `e:${flow}:${step}`,
};

const ID = "[a-z][a-z0-9_]{0,23}";
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => ParsedToken | undefined]> = [
  [/^l:\?$/, () => ({ kind: "openLanguages" })],
  [/^l:([a-z]{2})$/, (m) => (isLanguage(m[1] ?? "") ? { kind: "language", lng: m[1] as Language } : undefined)],
  [new RegExp(`^m:(${ID})$`), (m) => ({ kind: "menu", flow: m[1] ?? "" })],
  [/^m:-$/, () => ({ kind: "home" })],
  [/^h:go$/, () => ({ kind: "handoff" })],
  [
    new RegExp(`^a:(${ID}):(${ID}):(${ID})$`),
    (m) => ({ kind: "answer", flow: m[1] ?? "", step: m[2] ?? "", option: m[3] ?? "" }),
  ],
  [
    new RegExp(`^c:(${ID}):(${ID}):(back|skip|done)$`),
    (m) => ({ kind: "control", flow: m[1] ?? "", step: m[2] ?? "", control: m[3] as Control }),
  ],
  [
    new RegExp(`^r:(${ID}):(confirm|change|back)$`),
    (m) => ({ kind: "review", flow: m[1] ?? "", action: m[2] as ReviewAction }),
  ],
  [new RegExp(`^e:(${ID}):(${ID})$`), (m) => ({ kind: "edit", flow: m[1] ?? "", step: m[2] ?? "" })],
];

/** Reads a token back; anything the bot could not have sent is undefined. */
export function parseToken(token: string): ParsedToken | undefined {
  for (const [pattern, read] of PATTERNS) {
    const match = pattern.exec(token);
    if (match) return read(match);
  }
  return undefined;
}
