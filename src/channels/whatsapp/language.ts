import type { Language } from "../../core/i18n/languages.js";

/**
 * WhatsApp gives no language, only the phone number; its country code suggests one, which the
 * person confirms at the language question. Longest prefix wins: +1 809 is the Dominican Republic.
 */
const BY_COUNTRY_CODE: Record<string, Language> = {
  "509": "ht",
  "55": "pt",
  "244": "pt",
  "258": "pt",
  "238": "pt",
  "351": "pt",
  "33": "fr",
  "32": "fr",
  "221": "fr",
  "223": "fr",
  "224": "fr",
  "225": "fr",
  "226": "fr",
  "228": "fr",
  "229": "fr",
  "237": "fr",
  "241": "fr",
  "242": "fr",
  "243": "fr",
  "1": "en",
  "44": "en",
  "233": "en",
  "234": "en",
  "1809": "es",
  "1829": "es",
  "1849": "es",
  "1787": "es",
  "34": "es",
  "51": "es",
  "52": "es",
  "53": "es",
  "54": "es",
  "56": "es",
  "57": "es",
  "58": "es",
  "502": "es",
  "503": "es",
  "504": "es",
  "505": "es",
  "506": "es",
  "507": "es",
  "591": "es",
  "593": "es",
  "595": "es",
  "598": "es",
};

/** The language a WhatsApp id ("50937000001@c.us") suggests, if its country code says one. */
export function suggestedLanguage(whatsappId: string): Language | undefined {
  const digits = /^(\d+)@c\.us$/.exec(whatsappId)?.[1] ?? "";
  for (let length = 4; length >= 1; length--) {
    const language = BY_COUNTRY_CODE[digits.slice(0, length)];
    if (language) return language;
  }
  return undefined;
}
