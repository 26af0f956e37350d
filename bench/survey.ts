/**
 * The generated surveys both bots run: N single-choice questions of four options each, worded in
 * Spanish, and who answers what. Puente gets them as a flow file and its texts in a temporary copy
 * of flows/ and locales/; the peer reads the same questions and labels from `SurveySpec`.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SurveyOption {
  id: string;
  label: string;
}

export interface SurveyQuestion {
  id: string;
  text: string;
  /** The label in Puente's review and downloads. */
  short: string;
  options: SurveyOption[];
}

export interface SurveySpec {
  /** A Puente flow id: `survey5`, `survey20`, `survey80`. */
  id: string;
  title: string;
  /** What both bots say once the last answer is in. */
  done: string;
  questions: SurveyQuestion[];
}

/** The language both bots speak. */
export const SURVEY_LANGUAGE = "es";
const OPTIONS: readonly SurveyOption[] = [
  { id: "o1", label: "Siempre" },
  { id: "o2", label: "A veces" },
  { id: "o3", label: "Casi nunca" },
  { id: "o4", label: "Nunca" },
];
const TOPICS = [
  "consigues trabajo en lo que sabes hacer",
  "te atienden bien en el consultorio",
  "entiendes los trámites que te piden",
  "tus hijos van contentos a la escuela",
  "te sientes seguro en tu barrio",
  "llegas a fin de mes con lo que ganas",
  "recibes información de la municipalidad",
  "te tratan con respeto en la calle",
];

export function generateSurvey(questions: number): SurveySpec {
  return {
    id: `survey${questions}`,
    title: `Encuesta de ${questions} preguntas`,
    done: "¡Gracias! Tus respuestas quedaron guardadas.",
    questions: Array.from({ length: questions }, (_, at) => ({
      id: `q${at + 1}`,
      text: `${at + 1}. ¿Con qué frecuencia ${TOPICS[at % TOPICS.length]}?`,
      short: `Pregunta ${at + 1}`,
      options: [...OPTIONS],
    })),
  };
}

/** Person `person` (0, 1, 2…) answers question `question` (0-based) with this option: the same for both bots. */
export function chosenOption(spec: SurveySpec, person: number, question: number): SurveyOption {
  const options = spec.questions[question]?.options ?? [];
  const option = options[(person + question) % options.length];
  if (!option) throw new Error(`${spec.id} has no question ${question + 1}`);
  return option;
}

/** Every answer person `person` gives, by question id: what the stored response must hold. */
export function expectedAnswers(spec: SurveySpec, person: number): Record<string, string> {
  return Object.fromEntries(spec.questions.map((question, at) => [question.id, chosenOption(spec, person, at).id]));
}

/**
 * A Puente flow file for the survey: menu: false (opened by its link, /start <id>), no review (the
 * peer has none: the last answer submits), an anonymous response kept once per person, as the
 * consultation does.
 */
export function flowYaml(spec: SurveySpec): string {
  const steps = spec.questions.map(
    (question) =>
      `  - id: ${question.id}\n    kind: choice\n    options: [${question.options.map((option) => `{ id: ${option.id} }`).join(", ")}]`,
  );
  return [
    `id: ${spec.id}`,
    "version: 1",
    "menu: false",
    "review: false",
    "submission: anonymous",
    "steps:",
    ...steps,
    "",
  ].join("\n");
}

/** The flow's texts, `locales/es/<id>.json`. */
export function flowTexts(spec: SurveySpec): Record<string, unknown> {
  const texts: Record<string, unknown> = { title: spec.title, done: spec.done };
  for (const question of spec.questions)
    texts[question.id] = {
      text: question.text,
      short: question.short,
      options: Object.fromEntries(question.options.map((option) => [option.id, option.label])),
    };
  return texts;
}

/**
 * A temporary copy of the project's flows/ and locales/ with the surveys added: Puente reads its
 * FLOWS_DIR and LOCALES_DIR once at start. Only Spanish texts are written; the loader falls back to
 * Spanish for the other languages and checks the reference language alone.
 */
export function writeSurveyFiles(root: string, specs: readonly SurveySpec[]): { flows: string; locales: string } {
  const dir = mkdtempSync(join(tmpdir(), "puente-sbs-"));
  const flows = join(dir, "flows");
  const locales = join(dir, "locales");
  cpSync(join(root, "flows"), flows, { recursive: true });
  cpSync(join(root, "locales"), locales, { recursive: true });
  mkdirSync(join(locales, SURVEY_LANGUAGE), { recursive: true });
  for (const spec of specs) {
    writeFileSync(join(flows, `${spec.id}.yaml`), flowYaml(spec));
    writeFileSync(join(locales, SURVEY_LANGUAGE, `${spec.id}.json`), `${JSON.stringify(flowTexts(spec), null, 2)}\n`);
  }
  return { flows, locales };
}
