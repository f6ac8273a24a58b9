// The tool's name and version, as reports and ITF traces record them.

import { readFileSync } from 'node:fs';

export const TOOL = 'vmsa-check';

function readVersion(): string {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion();
