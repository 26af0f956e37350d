/**
 * Scrubbing of personal identifiers from free-text answers before they are stored.
 *
 * Why it works this way:
 * - The consultation is anonymous, so storing an identifier is worse than replacing a harmless number. But staff
 *   read these answers, so what they need and what identifies nobody on its own survives: ages, years, dates,
 *   amounts, counts, street numbers, times, percentages — all short, or written in a shape no identifier has.
 * - Markers are fixed, language-neutral and digit-free: answers compare equal whatever the person's language, and a
 *   marker can never be matched again, so scrubbing twice changes nothing. Its brackets count as word characters at
 *   every boundary, so the text around a replaced number reads to a second pass as it did to the first.
 * - Passes go from the most to the least certain (e-mail, RUT with its check digit, number after a document word,
 *   phone, letters+digits, any long digit run), so each identifier gets the most telling marker and a later, looser
 *   pass never sees digits an earlier one already replaced.
 * - A document word ("pasaporte", "paspò", "DNI", "C.I."…) beats phone shapes: "pasaporte 912345678" is a passport.
 *   Phone words ("cel", "wsp", "nimewo"…) are never read as filler after a document word, so "pasaporte y cel 9…"
 *   stays a phone.
 * - Phones are not one big regex. Optional separators between optional digit groups give a regex many ways to split
 *   "1 2 3 4 …", and it backtracks exponentially when the match fails. Here a regex with exactly one way to read
 *   each character finds a run of digit groups, and code decides which consecutive groups make a number (digit count,
 *   country code, leading digit), longest first, so "+56 9 1234 5678 2 hijos" keeps its "2 hijos". Every regex is
 *   compiled once, and its starts are pinned by look-behinds at word starts, so a scrub is linear in the text.
 * - Without "+", a label or a Chilean/known mobile shape, grouped numbers stay: "2018-2021", "12.03.2020" and
 *   "$ 250.000.000" are shaped like phones to a regex, not to a person. Dotted thousands ("1.500.000") are amounts.
 * - The last pass replaces any run of 7+ digits: no age, year, count or street number is that long, so this net costs
 *   nothing and catches identifier formats nobody listed (NIF, bank accounts, unknown passports). Only money context
 *   ("$", "pesos", "gano", "arriendo"…) keeps it: an income is what the office asks about.
 * - Deliberate limits: a bare 8-digit number counts as a phone only in 4+4 groups that are not two years ("3456 7890",
 *   not "2019 2020"), else with a label or "+"; unlabelled dotted numbers without check digit ("12.345.678") are read
 *   as amounts; names and addresses are not touched (they are not numbers and need other means).
 */

export const PHONE_MARK = "[teléfono]";
export const EMAIL_MARK = "[email]";
export const RUT_MARK = "[rut]";
export const DOCUMENT_MARK = "[documento]";
export const HANDLE_MARK = "[usuario]";

/** Spaces people type, including the no-break spaces that copied numbers often carry. */
const SP = String.raw`[ \t\u00a0\u202f]`;

// ---------------------------------------------------------------- e-mail

/** Local part, pinned to the start of a token so a failed match costs one scan of that token, not one per character. */
const LOCAL = String.raw`(?<![\p{L}\p{N}._%+\-\]])[\p{L}\p{N}._%+\-]+`;
const LABEL = String.raw`[\p{L}\p{N}\-]+`;
const TLD = String.raw`(?:com|net|org|edu|gob|gov|info|cl|ht|pe|ve|co|br|ec|bo|ar|mx|es|fr|pt|us|uk|ca|io|me)(?![\p{L}\p{N}\[])`;
const bracketed = (words: string): string => String.raw`${SP}*[\[({<]${SP}*(?:${words})${SP}*[\])}>]${SP}*`;
const SPOKEN_DOT = `(?:${bracketed(String.raw`dot|punto|point|pwen|ponto|\.`)}|${SP}+(?:dot|punto|point|pwen|ponto)${SP}+)`;
const ANY_DOT = String.raw`(?:${SPOKEN_DOT}|\.|${SP}+\.${SP}+)`;
/** "@" with spaces, "[at]", "(arroba)", "arroba", "arobase": unambiguous, so the domain may use any dot. */
const CLEAR_AT = `(?:${bracketed("at|arroba|aroba|arobase|arobas|@")}|${SP}+(?:arroba|aroba|arobase|arobas)${SP}+|${SP}*@${SP}*)`;

const EMAIL = new RegExp(String.raw`${LOCAL}@${LABEL}(?:\.${LABEL})+`, "gu");
/** Obfuscated forms need a known top-level domain: that is what tells "juan arroba gmail punto com" from prose. */
const EMAIL_SPOKEN = new RegExp(`${LOCAL}${CLEAR_AT}${LABEL}(?:${ANY_DOT}${LABEL}){0,3}${ANY_DOT}${TLD}`, "giu");
/** English "at" is a common word: only with spoken dots ("juan at gmail dot com"). */
const EMAIL_AT_WORD = new RegExp(
  `${LOCAL}${SP}+at${SP}+${LABEL}(?:${SPOKEN_DOT}${LABEL}){0,3}${SPOKEN_DOT}${TLD}`,
  "giu",
);

// ---------------------------------------------------------------- RUT / RUN

/**
 * The check digit is what makes a RUT: body of 7-8 digits (dotted or not) and a dash + digit/K, or a glued K.
 * "123456789" has no dash and could be a phone, so it is left to the later passes.
 */
const RUT =
  /(?<![\p{L}\p{N}.\-‐‑–[\]])(?:\d{1,2}\.\d{3}\.\d{3}|\d{7,8})(?:[ \t\u00a0\u202f]*[-‐‑–][ \t\u00a0\u202f]*[\dkK]|[kK])(?![\p{L}\p{N}[])/gu;

// ---------------------------------------------------------------- numbers after a document word

const DOC_WORD = String.raw`c[ée]dula|cin|c\.?[ci]\.?|dni|documento|pasaporte|passaporte|passeport|passport|pasp[oò]|rut|run|id|cpf|rg|nif|identidad|identidade|identit[ée]|idantite|carn[eé]t?`;
/** Words that may sit between the document word and its number ("de identidad", "mwen se", "número"), never a phone word or "and". */
const FILLER = String.raw`(?!(?:tel|cel|fono|wsp|whats|phone|m[oó]vil|llam|rele))(?!(?:y|e|et|and|ak|o|ou|or|pero|mais|but)(?![\p{L}]))\p{L}+(?:['’]\p{L}+)?`;
const DOC_SEP = String.raw`[ \t:#.°º,\-]+`;
/** 6-20 letters/digits with at least one digit, a whole token (so "AB1234567" is not filler "AB" + a number), not a date. */
const DOC_NUMBER = String.raw`(?<![\p{L}\p{N}.\-\]])(?!\d{1,4}[.\-/]\d{1,2}[.\-/]\d{2,4}(?![\p{L}\p{N}]))(?=[\p{L}\p{N}.\-]*\d)[\p{L}\p{N}](?:[.\-]?[\p{L}\p{N}]){5,19}(?![\p{L}\p{N}\[])`;
const LABELLED_DOCUMENT = new RegExp(
  String.raw`(?<![\p{L}\p{N}\[\]])((${DOC_WORD})(?![\p{L}])(?:${DOC_SEP}${FILLER}){0,3}(?:${DOC_SEP})?)(${DOC_NUMBER})`,
  "giu",
);
const RUT_WORD = /^ru[tn]$/i;

// ---------------------------------------------------------------- phones

const PHONE_WORD =
  "tel[eé]fono|tel[eé]f|telf|tlf|tel|fono|celular|cel|m[oó]vil|wsp|wasap|whatsapp|whats|phone|mobile|cell";
/** Starts at a word start, or glued to a phone word ("cel912345678", "wsp+569…"); never after "$" or inside a marker. */
const PHONE_START = String.raw`(?:(?<![\p{L}\p{N}$\[\]])|(?<=(?<![\p{L}])(?:${PHONE_WORD})))`;
const PAREN = String.raw`\(${SP}?\+?\d{1,4}${SP}?\)`;
const SEP = String.raw`(?:${SP}?[.\-–]${SP}?|${SP})`;
/**
 * A run of digit groups joined by one separator each (a separator is optional only next to a parenthesis). A
 * separator is never a digit, so there is one way to read each character.
 */
const DIGIT_GROUPS = new RegExp(
  String.raw`${PHONE_START}(?:\+${SP}?)?(?:${PAREN}|\d+)(?:${SEP}?${PAREN}|(?:(?<=\))${SEP}?|(?<!\))${SEP})\d+)*`,
  "giu",
);
const GROUP = /(?:\+[ \t\u00a0\u202f]?)?(?:\([ \t\u00a0\u202f]?)?\+?\d+(?:[ \t\u00a0\u202f]?\))?/g;
const PHONE_LABEL = new RegExp(
  String.raw`(?<![\p{L}\[])(?:${PHONE_WORD}|n[uú]mero|nro|num[ée]ro|nimewo|number|llam\p{L}*|call|rele|contacto|contact|kontak)(?:[^\p{L}\p{N}\[\]]+\p{L}{1,8}){0,3}[^\p{L}\p{N}\[\]]*$`,
  "iu",
);
const CURRENCY_BEFORE = /(?:\$|€|(?<![\p{L}])(?:CLP|USD|S\/\.?|Bs\.?|HTG))[ \t\u00a0\u202f]*$/iu;
const MONEY_AFTER =
  /^[ \t\u00a0\u202f]*(?:pesos?|clp|usd|d[oó]lares|lucas?|lukas?|gourdes?|goud|soles|bol[ií]vares|reales|reais|euros?|mil(?![\p{L}])|\$)/iu;
const THOUSANDS = /^\d{1,3}(?:\.\d{3})+$/;
const NON_DIGIT = /\D/g;
const TWO_YEARS = /^(?:19|20)\d\d(?:19|20)\d\d$/;

/** Total digits (country code included) by country code, for the countries people here call from and to. */
const COUNTRY_LENGTHS: ReadonlyMap<string, readonly number[]> = new Map([
  ["1", [11]],
  ["33", [11]],
  ["34", [11]],
  ["51", [10, 11]],
  ["52", [12]],
  ["53", [10]],
  ["54", [12, 13]],
  ["55", [12, 13]],
  ["56", [11]],
  ["57", [12]],
  ["58", [12]],
  ["502", [11]],
  ["503", [11]],
  ["504", [11]],
  ["505", [11]],
  ["506", [11]],
  ["507", [11]],
  ["509", [11]],
  ["591", [11]],
  ["593", [11, 12]],
  ["595", [12]],
  ["598", [11]],
]);

function isInternational(digits: string): boolean {
  if (digits.length < 8 || digits.length > 15) return false;
  for (const size of [3, 2, 1]) {
    const lengths = COUNTRY_LENGTHS.get(digits.slice(0, size));
    if (lengths) return lengths.includes(digits.length);
  }
  return true;
}

interface Group {
  start: number;
  end: number;
  digits: string;
  plus: boolean;
}

interface Candidate {
  digits: string;
  plus: boolean;
  labelled: boolean;
  text: string;
  groups: readonly string[];
}

function isPhone({ digits, plus, labelled, text, groups }: Candidate): boolean {
  if (plus) return isInternational(digits);
  if (digits.startsWith("00")) return isInternational(digits.slice(2));
  if (digits.length === 11 && /^56[2-9]/.test(digits)) return true;
  if (labelled) return digits.length >= 7 && digits.length <= 12;
  if (THOUSANDS.test(text)) return false;
  switch (digits.length) {
    case 8: // Haitian (and old Chilean) numbers written 4+4; two years side by side are a range.
      return groups.length === 2 && groups[0]?.length === 4 && /^[2-4]/.test(digits) && !TWO_YEARS.test(digits);
    case 9: // Chilean/Peruvian mobile, Santiago and regional landlines.
      return /^(?:9|2[23]|3[2-5]|4[1-5]|5[1-8]|6[1-7]|7[1-5])/.test(digits);
    case 10: // Colombian mobile.
      return /^3(?:[0-2]\d|5[01])/.test(digits);
    case 11: // Venezuelan mobile with its leading 0.
      return /^04(?:1[246]|2[46])/.test(digits);
    default:
      return false;
  }
}

/**
 * The last group of the longest phone number starting at group `first`, or -1. At most 8 groups and 17 digits
 * ("00" + 15) are tried, so the work per group is bounded.
 */
function longestPhone(run: string, groups: readonly Group[], first: number, labelled: boolean, money: boolean): number {
  const start = groups[first];
  if (!start) return -1;
  const prefixes: Array<{ last: Group; digits: string; groups: string[] }> = [];
  let digits = "";
  const seen: string[] = [];
  for (let j = first; j < groups.length && j < first + 8; j++) {
    const group = groups[j];
    if (!group) break;
    digits += group.digits;
    if (digits.length > 17) break;
    seen.push(group.digits);
    // A number right before "pesos" or "%" is an amount, whatever its shape.
    if (!(money && j === groups.length - 1)) prefixes.push({ last: group, digits, groups: [...seen] });
  }
  for (let k = prefixes.length - 1; k >= 0; k--) {
    const prefix = prefixes[k];
    if (!prefix) continue;
    const text = run.slice(start.start, prefix.last.end);
    if (isPhone({ digits: prefix.digits, plus: start.plus, labelled, text, groups: prefix.groups })) {
      return first + prefix.groups.length - 1;
    }
  }
  return -1;
}

/** Replaces, inside one run of digit groups, every stretch of consecutive groups that reads as a phone number. */
function scrubDigitGroups(run: string, offset: number, whole: string): string {
  const groups: Group[] = [];
  for (const m of run.matchAll(GROUP)) {
    groups.push({
      start: m.index,
      end: m.index + m[0].length,
      digits: m[0].replace(NON_DIGIT, ""),
      plus: m[0].includes("+"),
    });
  }
  const before = whole.slice(Math.max(0, offset - 48), offset);
  const after = whole.slice(offset + run.length, offset + run.length + 24);
  const labelled = PHONE_LABEL.test(before);
  const currency = CURRENCY_BEFORE.test(before);
  const money = MONEY_AFTER.test(after);

  let out = "";
  let cursor = 0;
  let i = 0;
  while (i < groups.length) {
    const first = groups[i];
    if (!first) break;
    const found = i === 0 && currency ? -1 : longestPhone(run, groups, i, i === 0 && labelled, money);
    const last = found < 0 ? undefined : groups[found];
    if (!last) {
      i++;
      continue;
    }
    out += run.slice(cursor, first.start) + PHONE_MARK;
    cursor = last.end;
    i = found + 1;
  }
  return out + run.slice(cursor);
}

// ---------------------------------------------------------------- passport-like and long digit runs

/** Letters glued to digits (AB1234567, P1234567, HA0123456, 12AB34567) and Venezuelan "V-12.345.678". */
const PASSPORT_LIKE =
  /(?<![\p{L}\p{N}[\]])(?:[a-z]{1,3}-?\d{6,9}|\d{2}[a-z]{2}\d{5}|[ve]-?\d{1,2}\.\d{3}\.\d{3})(?![\p{L}\p{N}[])/giu;
const LONG_DIGITS = /(?<!\d)\d{7,}(?!\d)/g;
const MONEY_WORD_BEFORE =
  /(?<![\p{L}])(?:gan\p{L}*|pag\p{L}*|cobr\p{L}*|cuest\p{L}*|cost\p{L}*|sueldo|salario|arriendo|ingresos?|deuda|salè|salaire|salário|income|salary|rent)(?:[ \t\u00a0\u202f]+\p{L}{1,13}){0,2}[ \t:]*$/iu;
const MONEY_WORD_AFTER =
  /^[ \t\u00a0\u202f]*(?:al mes|por mes|mensuales|de sueldo|de arriendo|par mois|pa mwa|por mês|a month|per month)/iu;

function keepsLongDigits(offset: number, length: number, whole: string): boolean {
  const before = whole.slice(Math.max(0, offset - 40), offset);
  const after = whole.slice(offset + length, offset + length + 24);
  return (
    CURRENCY_BEFORE.test(before) ||
    MONEY_WORD_BEFORE.test(before) ||
    MONEY_AFTER.test(after) ||
    MONEY_WORD_AFTER.test(after)
  );
}

/** The text with e-mail addresses, RUTs, document numbers and phone numbers replaced by fixed markers. */
/**
 * Telegram and Instagram handles ("@juan_perez", "t.me/juanperez", "instagram.com/juan"): after the
 * e-mail passes, a remaining "@name" is a handle, and a handle names a person as well as a phone does.
 */
const HANDLE =
  /(?<![\p{L}\p{N}_.])@[A-Za-z][A-Za-z0-9_.]{2,31}(?<![.])|(?<![\p{L}\p{N}])(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|instagram\.com|facebook\.com|fb\.com|tiktok\.com\/@?)\/?[A-Za-z0-9_.]{3,40}/gu;

export function scrub(text: string): string {
  return text
    .replace(EMAIL, EMAIL_MARK)
    .replace(EMAIL_SPOKEN, EMAIL_MARK)
    .replace(EMAIL_AT_WORD, EMAIL_MARK)
    .replace(HANDLE, HANDLE_MARK)
    .replace(RUT, RUT_MARK)
    .replace(
      LABELLED_DOCUMENT,
      (_match: string, lead: string, word: string) => lead + (RUT_WORD.test(word) ? RUT_MARK : DOCUMENT_MARK),
    )
    .replace(DIGIT_GROUPS, scrubDigitGroups)
    .replace(PASSPORT_LIKE, DOCUMENT_MARK)
    .replace(LONG_DIGITS, (match: string, offset: number, whole: string) =>
      keepsLongDigits(offset, match.length, whole) ? match : DOCUMENT_MARK,
    );
}
