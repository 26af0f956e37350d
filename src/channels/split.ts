/**
 * Cuts a long text for a platform that refuses longer messages: at a line break, else at a space,
 * else hard, so no piece is longer than `max` and words stay whole where they can.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf("\n"), window.lastIndexOf(" "));
    const at = cut > max / 2 ? cut : max;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, "");
  }
  pieces.push(rest);
  return pieces;
}
