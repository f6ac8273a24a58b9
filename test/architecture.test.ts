// The layering of src/ that docs/architecture.md describes, checked on the
// sources themselves: every import goes to the same room or a lower one, and
// no file reaches itself through its imports (no cycles).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

/** Lower rooms first: a room may import only from rooms at its rank or below. */
const RANK: Record<string, number> = { io: 0, explorer: 1, model: 2, models: 2, properties: 3, report: 4, cli: 5 };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.c?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** The project files one source imports (relative specifiers, `.js` mapped back to `.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
    const spec = (m[1] ?? m[2])!;
    out.push(normalize(join(dirname(file), spec.replace(/\.c?js$/, (x) => (x === '.cjs' ? '.cts' : '.ts')))));
  }
  return out;
}

const roomOf = (file: string): string => relative(src, file).split('/')[0]!;

const files = sources(src);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));

test('every room of src/ is ranked (a new room must be placed in the layering)', () => {
  const rooms = [...new Set(files.map(roomOf))].sort();
  assert.deepEqual(rooms.filter((r) => !(r in RANK)), []);
});

test('no room imports from a higher one', () => {
  const bad: string[] = [];
  for (const [f, targets] of graph) {
    for (const t of targets) {
      if (RANK[roomOf(t)]! > RANK[roomOf(f)]!) bad.push(`${relative(root, f)} -> ${relative(root, t)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no import cycle among the files of src/', () => {
  // Depth-first search with colours; a grey target is a back edge, i.e. a cycle.
  const colour = new Map<string, 'grey' | 'black'>();
  const cycles: string[] = [];
  const path: string[] = [];
  const visit = (f: string): void => {
    colour.set(f, 'grey');
    path.push(f);
    for (const t of graph.get(f) ?? []) {
      if (colour.get(t) === 'grey') cycles.push([...path.slice(path.indexOf(t)), t].map((x) => relative(src, x)).join(' -> '));
      else if (!colour.has(t)) visit(t);
    }
    path.pop();
    colour.set(f, 'black');
  };
  for (const f of files) if (!colour.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('the import scanner sees the imports it must (else the checks above prove nothing)', () => {
  const bfs = join(src, 'explorer', 'bfs.ts');
  assert.ok(graph.get(bfs)!.includes(join(src, 'explorer', 'frontier.ts')));
  const check = join(src, 'cli', 'check.ts');
  assert.ok(graph.get(check)!.some((t) => roomOf(t) === 'explorer'));
});
