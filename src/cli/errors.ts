// Errors the CLI turns into exit codes and one-line messages.

export const EXIT = { HOLDS: 0, VIOLATED: 1, USAGE: 2, INCOMPLETE: 3, INTERNAL: 4 } as const;

/** Bad input: printed as one line, exit 2, never a stack trace. */
export class UsageError extends Error {}
