/**
 * Scrubbing of personal identifiers from free-text answers before they are stored.
 *
 * Why it works this way:
 * - The consultation is anonymous, so storing an identifier is worse than replacing a harmless number. But staff
 *   read these answers, so what they need and what identifies nobody on its own survives: ages, years, dates,
 *   amounts, counts, times, percentages, communes and places — all short, or written in a shape no identifier has.
 * - Markers are fixed, language-neutral and digit-free: answers compare equal whatever the person's language, and a
 *   marker can never be matched again, so scrubbing twice changes nothing. Its brackets count as word characters at
 *   every boundary, so the text around a replaced number reads to a second pass as it did to the first.
 * - The passes read a normalised copy: invisible characters removed (zero-width space and joiners, word joiner, BOM,
 *   soft hyphen, direction marks, variation selectors), NFKC (full-width "９１２…", "ＲＵＴ", odd spaces), every Unicode
 *   decimal digit in ASCII ("٩١٢…", "९१२…"), then dictated digits joined: seven or more single digits or digit words
 *   in a row, in any of the five languages ("9 1 2 3 4 5 6 7 8", "nueve uno dos…", "nèf en de twa…") become one
 *   number the passes judge like any other; "tengo dos hijos" and "uno o dos" are far from seven. A text in which
 *   nothing was found comes back exactly as written. One in which something was found comes back normalised: NFKC
 *   is not character by character (it composes and expands), so the untouched parts cannot be mapped back to the
 *   original safely, and a piece of an identifier hidden by an invisible character must not survive next to its
 *   marker; the normalised text reads the same to staff (plain spaces, plain digits, no full-width letters).
 * - Names and addresses go first, then the passes over digits. Those read the words around a number ("cel",
 *   "pasaporte", "gano", "pesos"), so every word that will be replaced must be gone before they decide; the name and
 *   address passes in turn never take a number that touches other digits or a marker, so what the digit passes
 *   replace later cannot change their reading on a second pass.
 * - Passes over digits go from the most to the least certain (e-mail, RUT with its check digit, number after a
 *   document word, phone, letters+digits, any long digit run), so each identifier gets the most telling marker and a
 *   later, looser pass never sees digits an earlier one already replaced.
 * - A document word ("pasaporte", "paspò", "DNI", "C.I."…) beats phone shapes: "pasaporte 912345678" is a passport.
 *   Phone words ("cel", "wsp", "nimewo"…) are never read as filler after a document word, so "pasaporte y cel 9…"
 *   stays a phone.
 * - Phones are not one big regex. Optional separators between optional digit groups give a regex many ways to split
 *   "1 2 3 4 …", and it backtracks exponentially when the match fails. Here a regex with exactly one way to read
 *   each character finds a run of digit groups, and code decides which consecutive groups make a number (digit count,
 *   country code, leading digit), longest first, so "+56 9 1234 5678 2 hijos" keeps its "2 hijos". Every regex is
 *   compiled once, and its starts are pinned by look-behinds at word starts, so a scrub is linear in the text. Names
 *   and streets are read by code a word at a time from a fixed start, a bounded number of words, for the same reason.
 * - Without "+", a label or a Chilean/known mobile shape, grouped numbers stay: "2018-2021", "12.03.2020" and
 *   "$ 250.000.000" are shaped like phones to a regex, not to a person. Dotted thousands ("1.500.000") are amounts.
 * - The last pass replaces any run of 7+ digits: no age, year, count or house number is that long, so this net costs
 *   nothing and catches identifier formats nobody listed (NIF, bank accounts, unknown passports). Only money context
 *   ("$", "pesos", "gano", "arriendo"…) keeps it: an income is what the office asks about.
 * - Names are replaced only after a self-introduction ("me llamo", "mi nombre es", "soy la señora", "m rele", "non
 *   mwen se", "je m'appelle", "my name is", "meu nome é", "me chamo", "Nombre:"…): up to four words, "de los", "da",
 *   "dos" inside a name, ending at punctuation, a connector ("y", "and", "et", "epi", "e") or a word no name is (a
 *   pronoun, an article, a common verb, a nationality). A name anywhere else cannot be told from any other word by a
 *   rule, so "Soy Juan" and "mi vecino Pedro" stay; "soy de Venezuela", "me llamó la asistente" are not introductions.
 * - Addresses need a street word ("calle", "pasaje", "av.", "camino", "rue", "ri", "lari", "street", "rua",
 *   "travessa"…), a name and a house number, in the order each language writes them ("calle Matucana 870", "12 rue
 *   Matucana", "123 Main Street"), with its "block 2", "depto 45", "torre B". A street without a number ("vivo en la
 *   calle", "cerca de la calle Matucana"), a commune, a "población" or "villa", and a number that counts something
 *   ("cortada 2 días") are information the office needs, not an address.
 * - Deliberate limits: a bare 8-digit number counts as a phone only in 4+4 groups that are not two years ("3456 7890",
 *   not "2019 2020"), else with a label or "+"; unlabelled dotted numbers without check digit ("12.345.678") are read
 *   as amounts; digits read in pairs ("nueve ochenta y siete…") are not joined; a name after "soy" alone, or without
 *   any introduction, stays; a house number written right before another number ("calle Matucana 870 2 hijos",
 *   "Calle X 12 3456 7890") is left for the digit passes, which see only its phone; an address with no street word
 *   ("Block 12, depto 304") stays.
 */

import {
  COUNT_NOUNS,
  DIGIT_WORDS,
  INTRODUCTIONS,
  PARTICLES,
  STOPWORDS,
  STREET_AFTER_NAME,
  STREET_AFTER_NUMBER,
  STREET_BEFORE_NAME,
  UNIT_WORDS,
} from "./words.js";

export const PHONE_MARK = "[teléfono]";
export const EMAIL_MARK = "[email]";
export const RUT_MARK = "[rut]";
export const DOCUMENT_MARK = "[documento]";
export const HANDLE_MARK = "[usuario]";
export const NAME_MARK = "[nombre]";
export const ADDRESS_MARK = "[dirección]";

// ---------------------------------------------------------------- normalisation

/**
 * Characters that show nothing, however many sit between two digits: zero-width space, joiners, word joiner, BOM, soft
 * hyphen, direction marks, variation selectors… plus the keycap mark (U+20E3) that dresses a digit as an emoji.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}|\u20e3/gu;
const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;
const IS_DIGIT = /^\p{Nd}$/u;
const digitValues = new Map<string, string>();

/**
 * The ASCII digit of any Unicode decimal digit. Unicode assigns decimal digits only in runs of ten, 0 to 9, so a
 * digit's value is its distance from the start of its run, modulo ten (some runs follow each other).
 */
function asciiDigit(digit: string): string {
  const known = digitValues.get(digit);
  if (known) return known;
  const code = digit.codePointAt(0) ?? 0;
  let start = code;
  while (start > 0 && IS_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  const value = String((code - start) % 10);
  digitValues.set(digit, value);
  return value;
}

/**
 * The text as the passes read it: invisible characters removed, NFKC (full-width "９" and "ＲＵＴ", ligatures, odd
 * spaces to plain ones), then every decimal digit in ASCII ("٩١٢…" is "912…"). Each step leaves the others' work
 * alone, so normalising twice changes nothing.
 */
export function normalize(text: string): string {
  return text.replace(INVISIBLE, "").normalize("NFKC").replace(OTHER_DIGIT, asciiDigit);
}

// ---------------------------------------------------------------- digits spaced out or spelled out

const DIGIT_WORD = [...DIGIT_WORDS.keys()].sort((a, b) => b.length - a.length).join("|");
/** A whole token (a marker's brackets count as letters): one digit, or one digit word ("nueve", "nèf", "meia"). */
const TOKEN_END = String.raw`(?![\p{L}\p{N}\[\]])`;
const SPELLED = `(?:${DIGIT_WORD})${TOKEN_END}`;
const DIGIT = String.raw`\d${TOKEN_END}`;
/** What people put between the digits they dictate: a few spaces, or a dot or dash with spaces around… */
const PLAIN_SEP = String.raw`(?:[ \t]{1,3}|[ \t]{0,2}[.\-–][ \t]{0,2})`;
/** …or, after a digit word, a comma: "nueve, ocho, siete". Bare digits and commas are a list: "1, 2, 3, 4, 5, 6, 7". */
const ANY_SEP = String.raw`(?:[ \t]{1,3}|[ \t]{0,2}[,.\-–][ \t]{0,2})`;
/**
 * Seven or more single digits or digit words in a row ("9 1 2 3 4 5 6 7 8", "nueve uno dos…"). A token is a digit or
 * letters and a separator neither, so there is one way to read each character; a start with fewer than seven tokens
 * fails within them, so a scan is linear. Whether a comma may follow depends only on the token before it, so a run
 * that loses tokens to a marker on a second pass is read the same way around them.
 */
const DIGIT_RUN = new RegExp(
  String.raw`(?<![\p{L}\p{N}\[\]])(?:${SPELLED}${ANY_SEP}|${DIGIT}${PLAIN_SEP}){6,}(?:${SPELLED}|${DIGIT})`,
  "giu",
);
const DIGIT_OR_WORD = /\d|\p{L}+/gu;

/** Dictated digits written as one number, for the passes below to judge like any other ("mi número es 912345678"). */
function joinDictatedDigits(text: string): string {
  return text.replace(DIGIT_RUN, (run: string) => {
    let digits = "";
    for (const [token] of run.matchAll(DIGIT_OR_WORD)) digits += DIGIT_WORDS.get(token.toLowerCase()) ?? token;
    return digits;
  });
}

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
 * The check digit is what makes a RUT: body of 7-8 digits (grouped by dots or spaces, or not) and a dash + digit/K,
 * or a glued K. "123456789" has no dash and could be a phone, so it is left to the later passes.
 */
const RUT =
  /(?<![\p{L}\p{N}.\-‐‑–[\]])(?:\d{1,2}[. \t\u00a0\u202f]\d{3}[. \t\u00a0\u202f]\d{3}|\d{7,8})(?:[ \t\u00a0\u202f]*[-‐‑–—−][ \t\u00a0\u202f]*[\dkK]|[kK])(?![\p{L}\p{N}[])/gu;

// ---------------------------------------------------------------- numbers after a document word

const DOC_WORD = String.raw`c[ée]dula|cin|c\.?[ci]\.?|dni|documento|pasaporte|passaporte|passeport|passport|pasp[oò]|rut|run|id|cpf|rg|nif|identidad|identidade|identit[ée]|idantite|carn[eé]t?`;
/** Words that may sit between the document word and its number ("de identidad", "mwen se", "número"), never a phone word or "and". */
const FILLER = String.raw`(?!(?:tel|cel|fono|wsp|whats|phone|m[oó]vil|llam|rele))(?!(?:y|e|et|and|ak|o|ou|or|pero|mais|but)(?![\p{L}]))\p{L}+(?:['’]\p{L}+)?`;
const DOC_SEP = String.raw`[ \t:#.°º,\-]+`;
/** 6-20 letters/digits with at least one digit, a whole token (so "AB1234567" is not filler "AB" + a number), not a date. */
const DOC_NUMBER = String.raw`(?<![\p{L}\p{N}.\-\]])(?!\d{1,4}[.\-/]\d{1,2}[.\-/]\d{2,4}(?![\p{L}\p{N}]))(?=[\p{L}\p{N}.\-]*\d)[\p{L}\p{N}](?:[.\-]?[\p{L}\p{N}]){5,19}(?![\p{L}\p{N}\[])`;
/** The same written in groups of three with spaces ("12 345 678 5", "123 456 789"): a fixed number of groups. */
const SPACED_DOC_NUMBER = String.raw`(?<![\p{L}\p{N}.\-\]])\d{1,3}(?:[ \t]\d{3}){2,3}(?:[ \t]*[-‐‑–][ \t]*[\dkK]|[ \t][\dkK])?(?![\p{L}\p{N}\[])`;
const LABELLED_DOCUMENT = new RegExp(
  String.raw`(?<![\p{L}\p{N}\[\]])((${DOC_WORD})(?![\p{L}])(?:${DOC_SEP}${FILLER}){0,3}(?:${DOC_SEP})?)(${DOC_NUMBER}|${SPACED_DOC_NUMBER})`,
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
  /^[ \t\u00a0\u202f]*(?:(?:pesos?|clp|usd|d[oó]lares|lucas?|lukas?|gourdes?|goud|soles|bol[ií]vares|reales|reais|euros?|mil)(?![\p{L}\p{N}])|\$)/iu;
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

/**
 * Telegram and Instagram handles ("@juan_perez", "t.me/juanperez", "instagram.com/juan"): after the
 * e-mail passes, a remaining "@name" is a handle, and a handle names a person as well as a phone does.
 */
const HANDLE =
  /(?<![\p{L}\p{N}_.[\]])@[A-Za-z][A-Za-z0-9_.]{2,31}(?<![.])|(?<![\p{L}\p{N}[\]])(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|instagram\.com|facebook\.com|fb\.com|tiktok\.com\/@?)\/?[A-Za-z0-9_.]{3,40}/gu;

// ---------------------------------------------------------------- names and street addresses

/**
 * Names and street names are read a word at a time from a known start (an introduction, a street word), at most a
 * few words, so each start costs a bounded amount of work and a scrub stays linear.
 */
const GAP = /[ \t]+/y;
const WORD = /\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*/uy;
const CAPITAL = /^\p{Lu}/u;
/** A word glued to digits, a marker, an "@", "_" or ".x" is part of something else ("gano912…", "juan.perez@…"). */
const GLUED = /[.'’-]?[\p{N}_@[\]]|\.\p{L}/uy;

/**
 * The end of each word of the name that starts at `at`, shortest first; none if no name starts there. A name is up to
 * `most` words; particles ("de los", "da", "do") only between them, or also before the first for a street ("Rua das
 * Flores", "camino a Melipilla"); a stopword ends it ("y", "and", "tengo", "vivo"…). A person's name takes lowercase
 * words too ("Juan perez": a surname left behind is worse than a word lost); a street's name capitalised at its
 * start ends at a lowercase word ("la calle Matucana estuvo cortada 2 días" has no house number).
 */
function nameEnds(text: string, at: number, most: number, street: boolean, leadingParticles: boolean): number[] {
  const ends: number[] = [];
  let cursor = at;
  let particles = 0;
  let capitalised = false;
  while (ends.length < most && particles <= 2) {
    if (cursor !== at) {
      GAP.lastIndex = cursor;
      if (!GAP.test(text)) break;
      cursor = GAP.lastIndex;
    }
    WORD.lastIndex = cursor;
    const found = WORD.exec(text);
    if (!found || sticky(GLUED, text, WORD.lastIndex) >= 0) break;
    const word = found[0].toLowerCase();
    if (PARTICLES.has(word) && (ends.length > 0 || leadingParticles)) {
      particles++;
      cursor = WORD.lastIndex;
      continue;
    }
    if (STOPWORDS.has(word) || PARTICLES.has(word)) break;
    const capital = CAPITAL.test(found[0]);
    if (ends.length === 0) capitalised = capital;
    else if (street && capitalised && !capital) break;
    particles = 0;
    cursor = WORD.lastIndex;
    ends.push(cursor);
  }
  return ends;
}

const words = (source: string): string =>
  source.replace(/ /g, "").replace(/G/g, String.raw`[ \t]+`).replace(/O/g, String.raw`[ \t]*`);
/** "me llamo", "mwen rele", "je m'appelle", "my name is", "meu nome é"… then an optional colon or dash. */
const INTRODUCTION = new RegExp(
  String.raw`(?<![\p{L}\p{N}\[\]])(?:${INTRODUCTIONS.map(words).join("|")})(?![\p{L}\p{N}])[ \t]*(?:[:\-–][ \t]*)?`,
  "giu",
);

/** The name after each self-introduction, up to four words, replaced by NAME_MARK; the introduction stays. */
function scrubNames(text: string): string {
  let out = "";
  let cursor = 0;
  INTRODUCTION.lastIndex = 0;
  for (let found = INTRODUCTION.exec(text); found; found = INTRODUCTION.exec(text)) {
    const start = INTRODUCTION.lastIndex;
    const end = nameEnds(text, start, 4, false, false).pop();
    if (end === undefined) continue;
    out += text.slice(cursor, start) + NAME_MARK;
    cursor = INTRODUCTION.lastIndex = end;
  }
  return out + text.slice(cursor);
}

const STREET = new RegExp(
  String.raw`(?<![\p{L}\p{N}\[\]])(?:${STREET_BEFORE_NAME}|${STREET_AFTER_NAME})(?![\p{L}\p{N}\[])\.?`,
  "giu",
);
const NUMBER_FIRST = new RegExp(String.raw`^(?:${STREET_AFTER_NUMBER})\.?$`, "iu");
const NAME_FIRST = new RegExp(String.raw`^(?:${STREET_AFTER_NAME})\.?$`, "iu");
const SPACES = /[ \t]*/y;
/** "5 de Abril", "21 de Mayo": a date that names a street. */
const DATE_NAME = /\d{1,2}[ \t]+de[ \t]+(?=\p{L})/iuy;
const NUMBER_MARK = String.raw`(?:n[°º]|#|no\.?|nro\.?|n[uú]m\.?|n[uú]mero)[ \t]*`;
/**
 * A house or flat number: "870", "1234-B", "12"; not part of a longer number ("12.500", "14:30", "12 345 678-5",
 * "9 1234 5678"), which the passes over digits judge whole. A marker counts as digits: on a second pass it stands
 * where the first saw them.
 */
const SHORT_NUMBER = String.raw`\d{1,5}(?:-?[a-z](?![\p{L}]))?(?![\p{L}\p{N}\[]|[.,:/\-–][\p{N}\[]|[ \t]+[.\-–]?[ \t]*[\p{N}\[+(])`;
/** The house number after the street's name: "870", ", 123", "n° 345", "#2233", "1234-B". */
const HOUSE_NUMBER = new RegExp(String.raw`[ \t]*,?[ \t]*(?:${NUMBER_MARK})?${SHORT_NUMBER}`, "iuy");
/** A number before a count ("cortada 2 días", "camino 3 horas") is a count, not a house number. */
const COUNT = new RegExp(String.raw`[ \t]*(?:${COUNT_NOUNS})(?![\p{L}])`, "iuy");
const UNIT = new RegExp(
  String.raw`[ \t]*,?[ \t]*(?:${UNIT_WORDS})\.?(?:[ \t]*(?:${NUMBER_MARK})?${SHORT_NUMBER}|[ \t]+[a-z](?![\p{L}\p{N}\[]))`,
  "iuy",
);
/** A number that starts a house number: not the end of a longer one ("9 1234 5678 rue…"), nor right after a marker. */
const NUMBER_START = String.raw`(?<![\p{L}\p{N}.,\-–/[\]])(?<![\p{N}\]][ \t]{1,3}[.\-–]?[ \t]{0,3})`;
/** "12 rue", "45, avenue": the number right before a street word, checked on the few characters before it. */
const NUMBER_BEFORE = new RegExp(String.raw`${NUMBER_START}\d{1,5}(?:bis|ter|[a-z])?[ \t]*,?[ \t]+$`, "iu");
/** "123 Main ": a number and up to three words right before an English street word. */
const NUMBER_NAME_BEFORE = new RegExp(
  String.raw`${NUMBER_START}\d{1,5}[a-z]?[ \t]+((?:\p{L}[\p{L}\p{M}'’-]*[ \t]+){1,3})$`,
  "u",
);
const SPLIT = /[ \t]+/;

function sticky(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

/** What NUMBER_START's look-behinds refuse, as the end of the text before a number. */
const PRECEDED = /[\p{L}\p{N}.,\-–/[\]]$|[\p{N}\]][ \t]{1,3}[.\-–]?[ \t]{0,3}$/u;

/** Where a match of `pattern` ending exactly at `end` starts, looking back at most `reach` characters but not before `floor`. */
function startBefore(pattern: RegExp, text: string, end: number, reach: number, floor: number): number {
  const from = Math.max(floor, end - reach);
  const found = pattern.exec(text.slice(from, end));
  if (!found) return -1;
  const start = from + found.index;
  // The slice hides what is before it: what the look-behinds would have seen is checked on the text, reading an
  // address replaced just before as the marker a second pass will see there.
  if (start - from >= 8) return start;
  const seen = (floor > 0 && start - 8 < floor ? "]" : "") + text.slice(Math.max(floor, start - 8), start);
  return PRECEDED.test(seen) ? -1 : start;
}

/** Up to three units after a house number: "block 2", ", depto 1203", "torre B", "apt 3". */
function unitsEnd(text: string, at: number): number {
  let end = at;
  for (let i = 0; i < 3; i++) {
    const next = sticky(UNIT, text, end);
    if (next < 0) break;
    end = next;
  }
  return end;
}

/** A house number ending at `at`, not followed by a count ("2 días") unless that is a unit ("45 casa 12", "3 block 2"). */
function isHouseNumber(text: string, at: number): boolean {
  return sticky(COUNT, text, at) < 0 || sticky(UNIT, text, at) >= 0;
}

/** The house number right after a name ending at `at`, with its units, or -1. */
function houseNumberEnd(text: string, at: number): number {
  const end = sticky(HOUSE_NUMBER, text, at);
  return end >= 0 && isHouseNumber(text, end) ? unitsEnd(text, end) : -1;
}

const LEADING_NUMBER = /^\d+[a-z]?/iu;

/** "123 Main Street": the number and the name before an English street word, or -1. */
function numberAndNameBefore(text: string, start: number, floor: number): number {
  const before = startBefore(NUMBER_NAME_BEFORE, text, start, 64, floor);
  if (before < 0) return -1;
  const slice = text.slice(before, start);
  const name = (NUMBER_NAME_BEFORE.exec(slice)?.[1] ?? "").trim().split(SPLIT);
  const numberEnd = before + (LEADING_NUMBER.exec(slice)?.[0].length ?? 0);
  const plain = name.every((word) => !STOPWORDS.has(word.toLowerCase()) && !PARTICLES.has(word.toLowerCase()));
  return plain && isHouseNumber(text, numberEnd) ? before : -1;
}

/**
 * The address around the street word at [start, end), as [start, end], or undefined: a street word, a name and a
 * number ("calle Matucana 870", "Rua das Flores, 123"), the number first where people write it so ("12 rue Matucana",
 * "123 Main Street"), then any units ("block 2", "depto 45").
 */
function addressAt(text: string, start: number, end: number, floor: number): [number, number] | undefined {
  const word = text.slice(start, end);
  const numberFirst = NUMBER_FIRST.test(word);
  if (NAME_FIRST.test(word)) {
    const before = numberAndNameBefore(text, start, floor);
    if (before >= 0) return [before, unitsEnd(text, end)];
    if (!numberFirst) return undefined;
  }
  let at = sticky(SPACES, text, end);
  const dated = sticky(DATE_NAME, text, at);
  if (dated >= 0) at = dated;
  const ends = nameEnds(text, at, 4, true, dated < 0);
  const before = numberFirst ? startBefore(NUMBER_BEFORE, text, start, 24, floor) : -1;
  for (const nameEnd of ends) {
    const found = houseNumberEnd(text, nameEnd);
    if (found >= 0) return [before >= 0 ? before : start, found];
  }
  const last = ends.at(-1);
  return last === undefined || before < 0 ? undefined : [before, unitsEnd(text, last)];
}

/** Street addresses with a number, replaced by ADDRESS_MARK. A street without a number, a commune or a place stays. */
function scrubAddresses(text: string): string {
  let out = "";
  let cursor = 0;
  STREET.lastIndex = 0;
  for (let found = STREET.exec(text); found; found = STREET.exec(text)) {
    const address = addressAt(text, found.index, STREET.lastIndex, cursor);
    if (!address) continue;
    out += text.slice(cursor, address[0]) + ADDRESS_MARK;
    cursor = STREET.lastIndex = address[1];
  }
  return out + text.slice(cursor);
}

// ---------------------------------------------------------------- all passes

/** The passes over digits and at-signs, from the most to the least certain. */
function scrubNumbers(text: string): string {
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

/**
 * The text with e-mail addresses, handles, RUTs, document numbers, phone numbers, street addresses and introduced
 * names replaced by fixed markers. Passes read the normalised text; a text in which nothing was found comes back
 * exactly as written, one in which something was found comes back normalised (see the header).
 */
export function scrub(text: string): string {
  const prepared = joinDictatedDigits(normalize(text));
  const scrubbed = scrubNumbers(scrubAddresses(scrubNames(prepared)));
  return scrubbed === prepared ? text : scrubbed;
}
