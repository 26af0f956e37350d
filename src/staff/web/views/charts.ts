import { html } from "hono/html";
import type { Markup } from "./layout.js";

/**
 * Horizontal bar charts drawn on the server as inline SVG: no script, no library, the same on
 * screen, on paper and in the PDF. Every bar carries its label and its number in words, so
 * nothing depends on colour and a black-and-white printout reads the same; a hidden count gets no
 * bar, only its mark ("<5", "x"). The chart is one image to a screen reader, named by its title
 * with every value in its description; the table beside it has the same numbers.
 */

export interface ChartBar {
  label: string;
  /** What the bar's length stands for (a count or a percentage); null draws no bar. */
  value: number | null;
  /** Written after the bar: "12 · 34,5 %", or "<5" for a hidden count. */
  text: string;
}

export interface ChartGroup {
  label: string;
  bars: readonly ChartBar[];
}

const WIDTH = 640;
const FONT_SIZE = 13;
/** A rough average glyph width at FONT_SIZE, to size the label column without measuring text. */
const CHAR_WIDTH = 7;
const ROW = 22;
const BAR = 14;
const PAD = 4;
const VALUE_WIDTH = 120;
const MIN_LABEL = 80;
const MAX_LABEL = 260;
const INDENT = 14;
/** Two greys that both print: alternate bars of a group differ in more than colour (each is labelled). */
const FILLS = ["#2f3a45", "#8a96a3"] as const;

/** One bar per answer. */
export function barChart(id: string, title: string, bars: readonly ChartBar[]): Markup {
  const layout = labelLayout(bars.map((bar) => bar.label));
  const scale = scaleOf(bars);
  const rows = bars.map((bar, at) => barRow(bar, at * ROW, layout, scale, FILLS[0], false));
  return svg(id, title, describe(bars), bars.length * ROW, rows);
}

/** A group of bars per answer, one bar per split group, each bar labelled with its group. */
export function groupedBarChart(id: string, title: string, groups: readonly ChartGroup[]): Markup {
  const layout = labelLayout([
    ...groups.map((group) => group.label),
    ...groups.flatMap((group) => group.bars.map((bar) => bar.label)),
  ]);
  const scale = scaleOf(groups.flatMap((group) => group.bars));
  let y = 0;
  const parts: Markup[] = [];
  for (const group of groups) {
    parts.push(html`<text x="0" y="${y + ROW - 7}" font-weight="700">${clip(group.label, layout.chars + 20)}</text>`);
    y += ROW;
    group.bars.forEach((bar, at) => {
      parts.push(barRow(bar, y, layout, scale, FILLS[at % FILLS.length] ?? FILLS[0], true));
      y += ROW;
    });
  }
  const description = groups
    .map((group) => `${group.label}: ${group.bars.map((bar) => `${bar.label} ${bar.text}`).join(", ")}`)
    .join("; ");
  return svg(id, title, description, y, parts);
}

interface LabelLayout {
  /** Where bars start. */
  barX: number;
  barWidth: number;
  /** Characters a label may have before it is cut. */
  chars: number;
}

function labelLayout(labels: readonly string[]): LabelLayout {
  const longest = Math.max(0, ...labels.map((label) => label.length));
  const labelWidth = Math.min(MAX_LABEL, Math.max(MIN_LABEL, longest * CHAR_WIDTH + INDENT + PAD));
  return {
    barX: labelWidth + PAD,
    barWidth: WIDTH - labelWidth - PAD - VALUE_WIDTH,
    chars: Math.floor((labelWidth - INDENT - PAD) / CHAR_WIDTH),
  };
}

/** The longest bar fills the width: bars compare within a chart, the numbers say the rest. */
function scaleOf(bars: readonly ChartBar[]): number {
  return Math.max(0, ...bars.map((bar) => bar.value ?? 0));
}

function barRow(bar: ChartBar, y: number, layout: LabelLayout, scale: number, fill: string, indented: boolean) {
  const length = bar.value === null || scale === 0 ? 0 : Math.round((bar.value / scale) * layout.barWidth * 10) / 10;
  const textY = y + ROW - 7;
  const labelX = indented ? INDENT : 0;
  const drawn =
    length > 0
      ? html`<rect x="${layout.barX}" y="${y + (ROW - BAR) / 2}" width="${length}" height="${BAR}" fill="${fill}" stroke="#000" stroke-width="0.5"></rect>`
      : "";
  return html`<g>
<text x="${labelX}" y="${textY}">${clip(bar.label, layout.chars)}</text>
${drawn}<text x="${layout.barX + length + PAD}" y="${textY}">${bar.text}</text>
</g>`;
}

function svg(id: string, title: string, description: string, height: number, body: readonly Markup[]): Markup {
  const tall = Math.max(height, ROW);
  // The wrapper scrolls sideways on a phone, so the chart keeps a readable size instead of shrinking.
  return html`<div class="chart-wrap"><svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${tall}" width="100%" font-family="system-ui, Arial, sans-serif" font-size="${FONT_SIZE}" fill="#1b1f23" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${body}
</svg></div>`;
}

function describe(bars: readonly ChartBar[]): string {
  return bars.map((bar) => `${bar.label}: ${bar.text}`).join("; ");
}

/** A label too long for its column is cut with an ellipsis; the table beside the chart has it whole. */
function clip(label: string, chars: number): string {
  return label.length <= chars ? label : `${label.slice(0, Math.max(1, chars - 1)).trimEnd()}…`;
}
