import { scrub } from "../anonymity/scrub.js";
import type { SummaryLine } from "../cases/kinds.js";
import { type Flow, listedFlows } from "../flows/compile.js";
import type { FlowContext } from "../flows/machine.js";
import type { Answer, Answers, QuestionStep } from "../flows/schema.js";
import { LANGUAGES, type Language } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import type { Choice, OutboundMessage, Prompt } from "./messages.js";
import { tokens } from "./tokens.js";

/** Staff read cases in Spanish, whatever the person's language. */
const STAFF_LANGUAGE: Language = "es";

/** Turns the conversation's state into outbound messages in one language. */
export class Renderer {
  constructor(
    private readonly texts: Texts,
    private readonly flows: ReadonlyMap<string, Flow>,
  ) {}

  text(lng: Language, key: string, values?: Record<string, string | number>): OutboundMessage {
    return { kind: "text", text: this.texts.t(lng, key, values) };
  }

  /**
   * Each language offered in its own name, under a line in every language; a language the channel
   * suggests (from a phone's country code) comes first, for the person to confirm with one answer.
   */
  languagePicker(suggested?: Language): Prompt {
    const order = suggested ? [suggested, ...LANGUAGES.filter((lng) => lng !== suggested)] : LANGUAGES;
    return {
      kind: "prompt",
      text: order.map((lng) => this.texts.t(lng, "common:language.choose")).join("\n"),
      choices: order.map((lng) => ({
        token: tokens.language(lng),
        label: this.texts.t(lng, "common:language.name"),
        role: "language" as const,
      })),
      expects: "language",
    };
  }

  menu(lng: Language): Prompt {
    const listed = listedFlows(this.flows);
    return {
      kind: "prompt",
      text: this.texts.t(lng, "common:menu.text"),
      hint: this.texts.t(lng, "common:menu.hint"),
      choices: [
        ...listed.map((flow) => ({
          token: tokens.menu(flow.id),
          label: this.texts.t(lng, flow.titleKey),
          role: "flow" as const,
        })),
        { token: tokens.openLanguages, label: this.texts.t(lng, "common:language.change"), role: "language" as const },
      ],
      expects: "menu",
    };
  }

  /** After a flow that offers a hand-off: talk to a person about it, do the flow again, or the menu. */
  offer(lng: Language, again?: string): Prompt {
    const choices: Choice[] = [
      { token: tokens.handoff, label: this.texts.t(lng, "common:handoff.offerYes"), role: "flow" },
    ];
    if (again && this.flows.has(again))
      choices.push({ token: tokens.menu(again), label: this.texts.t(lng, "common:handoff.offerAgain"), role: "flow" });
    choices.push({ token: tokens.home, label: this.texts.t(lng, "common:handoff.offerMenu"), role: "menu" });
    return {
      kind: "prompt",
      text: this.texts.t(lng, "common:handoff.offer"),
      hint: this.texts.t(lng, "common:menu.hint"),
      choices,
      expects: "offer",
    };
  }

  /**
   * A flow's answers as staff read them, in Spanish: each question's short label and the answer's
   * label; free text scrubbed of phone numbers, e-mails and ID numbers. `leaving` names questions
   * staff need not see (the consent itself).
   */
  summary(flow: Flow, answers: Answers, leaving: string[] = []): SummaryLine[] {
    return flow
      .applicableQuestions(answers)
      .filter((step) => step.id in answers && !leaving.includes(step.id))
      .map((step) => {
        const answer = answers[step.id] ?? null;
        const label =
          step.kind === "text" && typeof answer === "string"
            ? scrub(answer)
            : this.answerLabel(STAFF_LANGUAGE, flow, step, answer, Number.POSITIVE_INFINITY);
        return { question: this.texts.t(STAFF_LANGUAGE, flow.texts.get(step.id)?.short ?? ""), answer: label };
      });
  }

  question(lng: Language, flow: Flow, step: QuestionStep, context: FlowContext): Prompt {
    const t = (key: string, values?: Record<string, string | number>) => this.texts.t(lng, key, values);
    const stepTexts = flow.texts.get(step.id);
    const applicable = flow.applicableQuestions(context.answers);
    // Counted among the questions that may still apply: the total only shrinks as follow-ups are ruled out.
    const counted = flow.possibleQuestions(context.answers);
    const index = counted.findIndex((question) => question.id === step.id) + 1;
    const choices: Choice[] = [];
    const option = (optionId: string): Choice => ({
      token: tokens.answer(flow.id, step.id, optionId),
      label: t(stepTexts?.options.get(optionId) ?? ""),
      role: "option",
    });
    if (step.kind === "choice") choices.push(...step.options.map((o) => option(o.id)));
    if (step.kind === "yesno") choices.push(option("yes"), option("no"));
    if (step.kind === "multichoice") {
      for (const o of step.options) choices.push({ ...option(o.id), selected: context.pending.includes(o.id) });
      choices.push({ token: tokens.control(flow.id, step.id, "done"), label: t("common:control.done"), role: "done" });
    }
    if (step.skippable)
      choices.push({ token: tokens.control(flow.id, step.id, "skip"), label: t("common:control.skip"), role: "skip" });
    if (hasEarlierAnswer(applicable, step, context))
      choices.push({ token: tokens.control(flow.id, step.id, "back"), label: t("common:control.back"), role: "back" });

    const current = context.answers[step.id];
    const hints = [this.#hint(lng, step)];
    if (current !== undefined && step.kind !== "multichoice")
      hints.push(t("common:question.current", { answer: this.answerLabel(lng, flow, step, current) }));
    return {
      kind: "prompt",
      text: t(stepTexts?.text ?? ""),
      hint: hints.join("\n"),
      choices,
      expects: step.kind,
      progress: { index, total: counted.length },
      ref: { flow: flow.id, step: step.id },
      ...(step.kind === "multichoice" ? { multi: { max: step.max } } : {}),
    };
  }

  /** The answers so far, to check before anything is submitted. */
  review(lng: Language, flow: Flow, context: FlowContext): Prompt {
    const t = (key: string, values?: Record<string, string | number>) => this.texts.t(lng, key, values);
    const lines = flow
      .applicableQuestions(context.answers)
      .filter((step) => step.id in context.answers)
      .map(
        (step, at) =>
          `${at + 1}. ${t(flow.texts.get(step.id)?.short ?? "")}: ${this.answerLabel(lng, flow, step, context.answers[step.id] ?? null)}`,
      );
    return {
      kind: "prompt",
      text: `${t("common:review.title")}\n\n${lines.join("\n")}`,
      hint: t("common:review.hint"),
      choices: [
        { token: tokens.review(flow.id, "confirm"), label: t("common:review.confirm"), role: "confirm" },
        { token: tokens.review(flow.id, "change"), label: t("common:review.change"), role: "change" },
        { token: tokens.review(flow.id, "back"), label: t("common:control.back"), role: "back" },
      ],
      expects: "review",
      ref: { flow: flow.id, step: "_review" },
    };
  }

  /** The list of answered questions, to pick the one to change. */
  reviewChoice(lng: Language, flow: Flow, context: FlowContext): Prompt {
    const t = (key: string) => this.texts.t(lng, key);
    const answered = flow.applicableQuestions(context.answers).filter((step) => step.id in context.answers);
    return {
      kind: "prompt",
      text: t("common:review.choose"),
      hint: t("common:review.chooseHint"),
      choices: [
        ...answered.map((step, at) => ({
          token: tokens.edit(flow.id, step.id),
          label: `${at + 1}. ${t(flow.texts.get(step.id)?.short ?? "")}`,
          role: "option" as const,
        })),
        { token: tokens.review(flow.id, "back"), label: t("common:control.back"), role: "back" },
      ],
      expects: "review",
      ref: { flow: flow.id, step: "_review_choose" },
    };
  }

  answerLabel(lng: Language, flow: Flow, step: QuestionStep, answer: Answer, longest = 80): string {
    const t = (key: string) => this.texts.t(lng, key);
    const options = flow.texts.get(step.id)?.options;
    if (answer === null) return t("common:answer.skipped");
    if (typeof answer === "boolean") return t(answer ? "common:answer.yes" : "common:answer.no");
    if (Array.isArray(answer)) return answer.map((id) => t(options?.get(id) ?? "")).join(", ");
    if (typeof answer === "string" && options?.has(answer)) return t(options.get(answer) ?? "");
    const shown = String(answer);
    return shown.length > longest ? `${shown.slice(0, longest - 1)}…` : shown;
  }

  #hint(lng: Language, step: QuestionStep): string {
    switch (step.kind) {
      case "number":
        return this.texts.t(lng, "common:hint.number", { min: step.min, max: step.max });
      case "text":
        return this.texts.t(lng, "common:hint.text", { max: step.maxLength });
      case "multichoice":
        return this.texts.t(lng, "common:hint.multichoice", { max: step.max });
      default:
        return this.texts.t(lng, "common:hint.choice");
    }
  }
}

/** Whether "back" has somewhere to go: an answered question before this one, among those that apply. */
function hasEarlierAnswer(applicable: QuestionStep[], step: QuestionStep, context: FlowContext): boolean {
  for (const earlier of applicable) {
    if (earlier.id === step.id) return false;
    if (earlier.id in context.answers) return true;
  }
  return false;
}
