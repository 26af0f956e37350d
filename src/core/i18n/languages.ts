/** The languages the office serves. Spanish is the reference: every text is written there first. */
export const LANGUAGES = ["es", "ht", "fr", "en", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];
export const REFERENCE_LANGUAGE: Language = "es";

export function isLanguage(code: string): code is Language {
  return (LANGUAGES as readonly string[]).includes(code);
}

/**
 * Maps a platform language code ("pt-BR", "ht", "fr_CA") to one the bot speaks,
 * or undefined when it speaks none of them.
 */
export function languageFromCode(code: string | undefined): Language | undefined {
  if (!code) return undefined;
  const base = code.toLowerCase().split(/[-_]/)[0] ?? "";
  return isLanguage(base) ? base : undefined;
}
