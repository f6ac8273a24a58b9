// Word wrapping for fixed-width plain text (email replies: 72 columns).
// A word is never cut: a kernel function name split across two lines
// cannot be searched for or pasted. Call chains ("a() -> b()") break at
// their " -> " like any other space.

/**
 * Splits text into lines of at most `width` characters, between words. A
 * word longer than `width` gets a line of its own and overflows it: the
 * caller makes room (see longestWord).
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words(text)) {
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines.map((l) => l.replaceAll(GLUE, ' ')) : [''];
}

/** Joins the spaces of a phrase that must stay on one line ("vcpu0->mutex (takes)"). */
const GLUE = '\u001f';
export const glue = (phrase: string): string => phrase.replaceAll(' ', GLUE);

const words = (text: string): string[] => text.split(/[ \t\n\r]+/).filter((w) => w.length > 0);

/** The length of the longest word of the texts (what a column must hold). */
export function longestWord(...texts: string[]): number {
  let n = 0;
  for (const t of texts) for (const w of words(t)) n = Math.max(n, w.length);
  return n;
}

export const pad = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - s.length));
