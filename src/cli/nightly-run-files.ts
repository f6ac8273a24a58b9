// A run's own summary (runs/<id>.summary.json) names its trace and HTML
// files by path. When a night's runs/ is published under another folder
// than the one it was run for (shards merged: nightly-merge.ts; an
// interrupted night kept beside a complete one: nightly-keep.ts), those
// paths are rewritten to name where the files are.

/** `text` (a run summary's JSON) with every path under `fromDir` moved under `toDir`. */
export function renamedSummary(text: string, fromDir: string, toDir: string): string {
  const s = JSON.parse(text) as { violations?: { files: { text: string; itf: string } }[]; htmlReport?: string | null };
  const move = (p: string): string => (p.startsWith(`${fromDir}/`) ? `${toDir}/${p.slice(fromDir.length + 1)}` : p);
  for (const v of s.violations ?? []) v.files = { text: move(v.files.text), itf: move(v.files.itf) };
  if (typeof s.htmlReport === 'string') s.htmlReport = move(s.htmlReport);
  return `${JSON.stringify(s, null, 2)}\n`;
}
