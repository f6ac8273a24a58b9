// Text from a file, shown in a one-line error: a user's bytes must never
// reach the terminal raw (escape sequences, control characters, a newline
// that breaks the one-line promise). Everything outside printable ASCII is
// shown as a JSON-style escape.

/** `s` with every character outside printable ASCII escaped (\n, \u001b, \u00e9...). */
export function escapeForTerminal(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => {
    const j = JSON.stringify(c).slice(1, -1);
    return j.length > 1 ? j : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A short prefix of `text`, quoted and escaped. */
export function quotedPrefix(text: string, max = 32): string {
  return escapeForTerminal(JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text));
}

/**
 * Why JSON.parse refused `text`, in one safe line: V8's reason without the
 * raw snippet it quotes, then the escaped start of the text.
 */
export function jsonErrorLine(text: string, e: unknown): string {
  const reason = (e instanceof Error ? e.message : String(e)).replace(/,\s*".*" is not valid JSON$/s, '').split('\n')[0]!;
  return `${escapeForTerminal(reason).slice(0, 160)}; it begins ${quotedPrefix(text)}`;
}
