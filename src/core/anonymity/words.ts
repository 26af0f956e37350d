/**
 * Words the scrubber needs in the five languages of the consultation (es, ht, fr, en, pt). Everything here is
 * lower case and compared with the lower-cased, NFKC-normalised text, so "Sèt" and "SÈT" are "sèt".
 */

/** Digit words, read one digit at a time ("nueve uno dos…", "nèf en de…", "nove meia…"): word → digit. */
export const DIGIT_WORDS: ReadonlyMap<string, string> = new Map([
  // es
  ["cero", "0"],
  ["uno", "1"],
  ["una", "1"],
  ["un", "1"],
  ["dos", "2"],
  ["tres", "3"],
  ["cuatro", "4"],
  ["cinco", "5"],
  ["seis", "6"],
  ["siete", "7"],
  ["ocho", "8"],
  ["nueve", "9"],
  // ht
  ["zewo", "0"],
  ["zero", "0"],
  ["en", "1"],
  ["youn", "1"],
  ["yon", "1"],
  ["de", "2"],
  ["twa", "3"],
  ["kat", "4"],
  ["senk", "5"],
  ["sink", "5"],
  ["sis", "6"],
  ["sèt", "7"],
  ["set", "7"],
  ["uit", "8"],
  ["wit", "8"],
  ["nèf", "9"],
  ["nef", "9"],
  // fr
  ["zéro", "0"],
  ["une", "1"],
  ["deux", "2"],
  ["trois", "3"],
  ["quatre", "4"],
  ["cinq", "5"],
  ["six", "6"],
  ["sept", "7"],
  ["huit", "8"],
  ["neuf", "9"],
  // en
  ["oh", "0"],
  ["o", "0"],
  ["one", "1"],
  ["two", "2"],
  ["three", "3"],
  ["four", "4"],
  ["five", "5"],
  ["seven", "7"],
  ["eight", "8"],
  ["nine", "9"],
  // pt ("meia", half a dozen, is how Brazilians say 6 in a phone number)
  ["um", "1"],
  ["uma", "1"],
  ["dois", "2"],
  ["duas", "2"],
  ["três", "3"],
  ["quatro", "4"],
  ["meia", "6"],
  ["sete", "7"],
  ["oito", "8"],
  ["nove", "9"],
]);

/**
 * Self-introductions whose next words are the person's name, as regex sources: a space only separates, `G` stands
 * for the spaces between two words, `O` for optional spaces. "soy" alone is not one ("soy de Venezuela", "soy venezolana"): only with a title.
 */
export const INTRODUCTIONS: readonly string[] = [
  // es
  "me G llamo",
  "mi G nombre (?:G completo )?G es",
  "soy G la G (?:se[ñn]ora|se[ñn]orita|sra\\.?|srta\\.?)",
  "soy G el G (?:se[ñn]or|sr\\.?|don)",
  "soy G (?:do[ñn]a|don)",
  // ht
  "m(?:wen)? G rele",
  "non G (?:mwen|m) G se",
  "(?:mwen|m) G se G (?:madan|mesye|manmzèl)",
  // fr
  "je G m['’]O appelle",
  "je G m G appelle",
  "mon G (?:nom|pr[ée]nom) G (?:est|c['’]est)",
  "je G suis G (?:madame|monsieur|mademoiselle|mme|mlle)",
  // en
  "my G (?:name|first G name) G is",
  "my G name['’]s",
  "i['’]m G called",
  "i G am G called",
  "(?:i['’]m|i G am) G (?:mr|mrs|ms|miss)\\.?",
  // pt
  "meu G nome (?:G completo )?G (?:é|e)",
  "me G chamo",
  "sou G a G (?:senhora|dona)",
  "sou G o G senhor",
  // a label: "Nombre: Ana", "mi nombre: Ana", "my name: John"
  "(?:(?:mi|my|meu|mon) G )?(?:nombre|name|nome|nom) O:",
];

/**
 * Words between parts of a name or a street name ("María de los Ángeles", "Ana Paula da Silva", "Pasaje Los Olmos",
 * "Rua das Flores"). They never start a name and never end one: "soy la señora del pasaje" names nobody.
 */
export const PARTICLES: ReadonlySet<string> = new Set([
  "de",
  "del",
  "la",
  "las",
  "los",
  "el",
  "da",
  "das",
  "do",
  "dos",
  "du",
  "des",
  "di",
  "van",
  "von",
  "der",
  "le",
  "of",
  "the",
  "a",
  "al",
]);

/**
 * Words that end a name: connectors, articles, pronouns, prepositions, the verbs people write right after their name
 * ("me llamo juan vivo en…"), and nationalities ("non mwen se ayisyen" is not a name). A name never contains one.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  [
    // es
    "y e o u ni pero que quien como cuando donde porque pues entonces también tambien ya aquí aqui acá aca allá",
    "el la los las lo un una unos unas al del a ante con contra de desde en entre hacia hasta para por según sin",
    "sobre tras mi mis tu tus su sus yo me te se le les nos usted ustedes él ella ellos ellas este esta eso esto",
    "no sí si muy más mas menos bien mal hoy ayer mañana ahora antes después despues aún aun todavía",
    "soy es son era fue estoy está esta estamos tengo tiene tenemos tuve vivo vive vivimos trabajo trabaja",
    "vengo llegué llegue necesito quiero busco puedo hace hay he ha hemos estaba",
    "atención atencion señor señora sr sra don doña",
    "venezolano venezolana haitiano haitiana colombiano colombiana peruano peruana boliviano boliviana chileno",
    "chilena dominicano dominicana cubano cubana ecuatoriano ecuatoriana argentino argentina extranjero",
    "extranjera migrante inmigrante",
    // ht
    "epi ak ou oswa men paske lè le kote si pou nan sou anba devan dèyè apre avan avè avèk",
    "mwen m w li l nou yo sa a an la sila se gen genyen rete travay vini soti sòti te ap pral ka pa",
    "lapolis polis manman papa frè sè pitit madanm mari biwo doktè anbilans ponpye moun yon",
    "depi pandan kounye jodi a ayisyen ayisyèn",
    // fr
    "et ou mais donc car puis ni aussi comme avec chez dans par pour sans sur sous depuis vers",
    "je j tu il elle on nous vous ils elles moi toi lui ma mon mes ta ton tes sa son ses",
    "suis est sommes ai a avons habite travaille viens cherche veux peux j'ai j’ai c'est c’est",
    "pas ne plus très tres ici là aujourd'hui maintenant",
    "haïtien haïtienne haitien haitienne vénézuélien vénézuélienne colombien colombienne",
    // en
    "and or but so then also as with from in on at to for by of not no too here there now today",
    "i i'm i’m me my you your he she his her we our they their it this that",
    "am is are was have has had live living work working came come need want",
    "haitian venezuelan colombian peruvian",
    // pt
    "e ou mas então entao também tambem com em no na nos nas pelo pela para por sem sobre desde há",
    "eu você voce ele ela nós nos eles elas meu minha meus minhas seu sua",
    "sou é estou tenho tem temos moro mora trabalho cheguei preciso quero",
    "haitiano haitiana venezuelano venezuelana brasileiro brasileira",
  ]
    .join(" ")
    .split(" "),
);

/** Nouns that make the number before them a count, not a house number: "la avenida estuvo cortada 2 días". */
export const COUNT_NOUNS =
  "años?|a[ñn]o|mes(?:es)?|d[ií]as?|semanas?|horas?|hrs?|minutos?|mins?|veces|vez|cuadras?|km|kil[oó]metros?|metros?|mts?|personas?|hij[oa]s?|ni[ñn][oa]s?|pesos?|lucas?|lukas?|mil|millones?|piezas?|casas?|paraderos?|ans?|mois|jours?|heures?|fois|semaines?|minutes?|enfants?|personnes?|years?|months?|days?|hours?|times|weeks?|blocks?|miles?|people|kids|children|anos|dias|vezes|pessoas|filhos?|quadras?|mwa|jou|semèn|èdtan|è|fwa|minit|moun|pitit|%";

/**
 * Street words in front of the street's name ("calle Matucana 870", "Rua das Flores, 123", "ri Bandera 541").
 * Not "población", "villa" or "barrio": those name a neighbourhood, a place the office needs to know about.
 */
export const STREET_BEFORE_NAME =
  "calle|kalle|pasaje|psje|pje|avenida|avda|av|camino|callej[oó]n|rua|travessa|tv|estrada|rue|avenue|boulevard|bd|chemin|all[ée]e|impasse|ri|lari|wout|avni";

/** Languages that write the number first say "12 rue Matucana", "25 ri Capois", "45 avenue Matta". */
export const STREET_AFTER_NUMBER = "rue|avenue|boulevard|bd|chemin|all[ée]e|impasse|ri|lari|avni";

/** English puts the street word last: "123 Main Street". */
export const STREET_AFTER_NAME = "street|st|road|rd|avenue|ave|lane|ln|boulevard|blvd";

/** What may follow the house number: "block 2", "depto 45", "torre B", "apt 3", "casa 12", "appartement 5". */
export const UNIT_WORDS =
  "block|bloque|blok|blk|bloco|bloc|bl|torre|tour|tower|depto|dpto|dto|departamento|depa|apt|apto|apartamento|appartement|apartment|app|casa|piso|of|oficina|int|interior|lote|sitio|kay|chanm|flat|unit|suite|andar|étage";
