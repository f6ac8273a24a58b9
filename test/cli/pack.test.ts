// The package as users get it: `npm pack` (whose prepack step builds dist/),
// then `npm install <tarball>` into an empty folder, then `npx vmsa-check`
// there. Before package.json had a "files" list and a build before packing,
// the tarball had no dist/ (it is git-ignored) and swept in run outputs, so
// `npx vmsa-check --help` was "not found". Dependencies come from npm's
// cache, else the npm registry (--prefer-offline); nothing else is fetched.

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vmsa-check-pack-'));
// Not the npm test run's own lifecycle variables: a clean npm in each folder.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))) as NodeJS.ProcessEnv;

function npm(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, encoding: 'utf8', env, timeout: 240_000 });
}

test('npm pack, install the tarball in an empty folder, npx vmsa-check --help and a small check', { timeout: 480_000 }, () => {
  const pack = npm(ROOT, 'pack', '--json', '--pack-destination', tmp);
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/main.js'), 'the built CLI is in the tarball');
  assert.ok(files.includes('dist/src/explorer/esm-worker.cjs'), 'the worker loader is in the tarball');
  // Only the built checker and the package's own documents: no tests, run outputs or sources.
  const stray = files.filter((f) => !f.startsWith('dist/src/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
  assert.deepEqual(stray, []);

  const app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const install = npm(app, 'install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, info!.filename));
  assert.equal(install.status, 0, install.stderr);

  const help = spawnSync('npx', ['--no-install', 'vmsa-check', '--help'], { cwd: app, encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /vmsa-check check/);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = spawnSync('npx', ['--no-install', 'vmsa-check', '--version'], { cwd: app, encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(v.stdout.trim(), version.version, v.stderr);
  // smoke holds on upstream-base (docs/model.md's verdicts; test/model/presets.test.ts): exit 0.
  const check = spawnSync('npx', ['--no-install', 'vmsa-check', 'check', '--preset', 'smoke', '--variant', 'upstream-base', '--out', join(tmp, 'out'), '--quiet'], {
    cwd: app,
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  assert.equal(check.status, 0, check.stderr);
});
