/** Ids named at most in the line; a stream broken throughout still gets one readable line. */
const NAMED_AT_MOST = 20;

/** The one line for stderr about entries left out, or nothing when every entry was read. */
export function unreadableLine(unreadable: readonly string[]): string | undefined {
  if (unreadable.length === 0) return undefined;
  const entries = unreadable.length === 1 ? "1 entry" : `${unreadable.length} entries`;
  const verb = unreadable.length === 1 ? "was" : "were";
  const more = unreadable.length - NAMED_AT_MOST;
  const ids = unreadable.slice(0, NAMED_AT_MOST).join(", ") + (more > 0 ? ` and ${more} more` : "");
  return `${entries} could not be read and ${verb} left out: ${ids}`;
}
