// The HTML report in a real browser: headless Chromium (Debian's chromium
// package, installed by scripts/install-chromium.sh) driven by
// playwright-core. The page must load with no request beyond its own file,
// render the verdict table and every trace as swim lanes, and show what the
// JSON files (run summaries and ITF traces) hold. Skipped only when
// chromium is absent and CI is not set; under CI it must run.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expectedCells } from '../../src/cli/expected-cells.js';
import { runTarget, type RunSummary } from '../../src/cli/run.js';
import { resolveTarget } from '../../src/cli/target.js';
import { VARIANTS } from '../../src/model/config.js';
import { diff, flatten } from '../../src/report/flatten.js';
import { verdict } from '../../src/report/html.js';
import { parseItf, type ItfState } from '../../src/report/itf.js';
import { deriveLanes } from '../../src/report/lanes.js';
import { matrixHtml } from '../../src/report/matrix-html.js';
import { run as runCli, writeMatrix } from '../nightly/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
// Screenshots, kept after the run for a person to look at (reports/ is not
// tracked, but for reports/examples): reports/test-output/html-browser/.
const SHOTS = join(process.cwd(), 'reports', 'test-output', 'html-browser');
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const skip = !existsSync(CHROMIUM) && !ci ? `${CHROMIUM} is not installed (run scripts/install-chromium.sh); CI is not set` : false;

const PRESETS = ['d1-es-launch-retry', 'u2-punch-running-vmsa'];
// Expectations that differ from the nightly matrix's: u2 on upstream-base
// violates S3 S4 S9 (nightly-matrix.ts), so S4 and S9 are unexpected here;
// d1 on patch1 violates S5 S9, so the S2 added here is missing.
const WRONG: [string, string[]][] = [
  ['u2-punch-running-vmsa/upstream-base', ['S3']],
  ['d1-es-launch-retry/patch1', ['S2', 'S5', 'S9']],
];
const dir = mkdtempSync(join(tmpdir(), 'vmsa-html-'));
const profile = mkdtempSync(join(tmpdir(), 'vmsa-chromium-'));
let ctx: BrowserContext | undefined;
const runs = new Map<string, RunSummary>();

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  for (const preset of PRESETS) {
    for (const variant of VARIANTS) runs.set(`${preset}/${variant}`, runTarget(resolveTarget({ preset, variant }), { allViolations: true }, dir));
  }
  writeFileSync(join(dir, 'default.html'), matrixHtml(PRESETS, runs, undefined, expectedCells()));
  // The same runs against expectations that differ (WRONG below): the marks must show it.
  const wrong = new Map<string, readonly string[]>([...expectedCells(), ...WRONG]);
  writeFileSync(join(dir, 'default-wrong.html'), matrixHtml(PRESETS, runs, undefined, wrong));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

/** Opens a report; fails on any request other than the file itself. */
async function open(file: string): Promise<Page> {
  const page = await ctx!.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(join(dir, file)).href;
  await page.goto(url, { waitUntil: 'load' });
  assert.deepEqual(requests, [url], 'the page loads nothing but itself');
  // Readable without JavaScript: there is none (no script element, no event handler attribute).
  assert.equal(await page.locator('script').count(), 0, 'no script');
  const handlers = await page.locator('*').evaluateAll((els) =>
    els.flatMap((e) => Array.from((e as unknown as { attributes: ArrayLike<{ name: string }> }).attributes, (a) => a.name)).filter((n) => /^on/i.test(n)),
  );
  assert.deepEqual(handlers, [], 'no event handler attribute');
  return page;
}

const varsOf = (s: ItfState): Record<string, unknown> => {
  const { '#meta': _m, ...v } = s;
  return v;
};

/** Checks every swim-lane section of the page against its ITF file. */
async function checkTraces(page: Page, expected: number): Promise<void> {
  const sections = page.locator('section.violation');
  assert.equal(await sections.count(), expected, 'one section per violation');
  for (let k = 0; k < expected; k++) {
    const sec = sections.nth(k);
    const t = parseItf(readFileSync(join(dir, (await sec.getAttribute('data-itf'))!), 'utf8'));
    assert.equal(await sec.getAttribute('data-property'), t['#meta'].property.id);
    assert.match((await sec.locator('h3').innerText()).trim(), new RegExp(`^${t['#meta'].property.id} ${t['#meta'].property.name}`));
    const lanes = await sec.locator('table.lanes thead th[data-actor]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-actor')!));
    const actors: string[] = [];
    for (const s of t.states.slice(1)) if (!actors.includes(s['#meta'].actor)) actors.push(s['#meta'].actor);
    assert.deepEqual(lanes, actors, 'one lane per thread, in order of first step');
    assert.equal(await sec.locator('table.lanes tbody tr[data-step]').count(), t.states.length);
    // What the browser laid out, one step per row (read in one go).
    const cells = await sec.locator('table.lanes tbody tr[data-step] td.step').evaluateAll((tds) =>
      tds.map((td) => {
        const el = td as unknown as {
          cellIndex: number;
          getAttribute(n: string): string | null;
          getBoundingClientRect(): { x: number; width: number; height: number };
          querySelector(q: string): { textContent: string | null } | null;
          querySelectorAll(q: string): ArrayLike<{ textContent: string | null }>;
          closest(q: string): { getAttribute(n: string): string | null; closest(q: string): unknown } | null;
        };
        const table = el.closest('table') as unknown as { querySelector(q: string): { getBoundingClientRect(): { x: number } } | null };
        const head = table.querySelector(`thead th[data-actor="${el.getAttribute('data-actor')}"]`)!;
        const r = el.getBoundingClientRect();
        return {
          step: Number(el.closest('tr')!.getAttribute('data-step')),
          actor: el.getAttribute('data-actor'),
          label: el.getAttribute('data-label'),
          column: el.cellIndex,
          x: r.x,
          laneX: head.getBoundingClientRect().x,
          visible: r.width > 0 && r.height > 0,
          what: el.querySelector('.what')!.textContent,
          fn: el.querySelector('.fn')!.textContent,
          diff: Array.from(el.querySelectorAll('details.diff li')).map((li) => li.textContent),
        };
      }),
    );
    assert.equal(cells.length, t.states.length - 1, 'one step cell per step');
    for (const [k, c] of cells.entries()) {
      const i = k + 1;
      const meta = t.states[i]!['#meta'];
      assert.equal(c.step, i);
      assert.equal(c.actor, meta.actor);
      assert.equal(c.label, meta.step);
      assert.equal(c.column, 1 + actors.indexOf(meta.actor), `step ${i} in lane ${meta.actor}`);
      assert.ok(c.visible, `step ${i} is rendered`);
      assert.ok(Math.abs(c.x - c.laneX) < 2, `step ${i} lines up with its lane header (${c.x} vs ${c.laneX})`);
      assert.equal(c.what, meta.step.replace(`${meta.actor}: `, ''));
      assert.equal(c.fn, meta.source);
      const want = diff(flatten(varsOf(t.states[i - 1]!)), flatten(varsOf(t.states[i]!))).filter((d) => !/mutex:/.test(d));
      assert.deepEqual(c.diff, want, `step ${i}: diff`);
    }
    // The sequence chart: one box per step, the last one (the violating step)
    // highlighted there and in the table, the arrows and spans of report/lanes.ts.
    const lanesOf = deriveLanes(t);
    const n = t.states.length - 1;
    assert.equal(await sec.locator('svg.msc g.step').count(), n);
    assert.deepEqual(await sec.locator('svg.msc g.step.violating').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-step'))), [String(n)]);
    assert.deepEqual(await sec.locator('table.lanes tr.violating').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-step'))), [String(n)]);
    const drawn = await sec.locator('svg.msc g.arrow').evaluateAll((gs) =>
      gs.map((g) => [g.getAttribute('data-kind'), Number(g.getAttribute('data-from')), Number(g.getAttribute('data-to'))]),
    );
    assert.deepEqual(drawn, lanesOf.arrows.map((a) => [a.kind, a.from, a.to]));
    assert.equal(await sec.locator('svg.msc rect.span').count(), lanesOf.spans.length);
    // The diffs are collapsed until clicked.
    const last = sec.locator(`table.lanes tbody tr[data-step="${t.states.length - 1}"] td.step`);
    const items = last.locator('details.diff li');
    if ((await items.count()) > 0) {
      assert.equal(await items.first().isVisible(), false, 'diff collapsed');
      await last.locator('details.diff summary').click();
      assert.equal(await items.first().isVisible(), true, 'diff expanded');
    }
  }
}

test('per-run HTML report renders the swim lanes of every trace as in the ITF files', { skip }, async () => {
  const s = runs.get('u2-punch-running-vmsa/upstream-base')!;
  const page = await open(`${s.target}.html`);
  assert.equal(await page.title(), `vmsa-check: ${s.target}`);
  assert.equal(await page.locator('#verdicts td[data-target]').getAttribute('data-verdict'), verdict(s));
  await page.screenshot({ path: join(SHOTS, 'run-u2-upstream-base-top.png') });
  await checkTraces(page, s.violations.length);
  // A known change of the U2 race: the punched frame is freed at the last step.
  const last = page.locator('section[data-property="S3"] tr[data-step="16"] details.diff li');
  assert.ok((await last.allInnerTexts()).includes('frame2.alloc: GMEM -> FREE'));
  await page.close();
});

test('default HTML report: preset x variant verdict table matches the run summaries', { skip }, async () => {
  const page = await open('default.html');
  // The grid is the headline: its top is on the first screen, above the legend, the configurations and the traces.
  const screen = page.viewportSize()!;
  const grid = (await page.locator('#verdicts').boundingBox())!;
  assert.ok(grid.y < screen.height, `the grid starts on the first screen (${grid.y} < ${screen.height})`);
  const legendBox = (await page.locator('#legend').boundingBox())!;
  const firstTrace = (await page.locator('section.violation').first().boundingBox())!;
  assert.ok(grid.y < legendBox.y && legendBox.y < firstTrace.y, 'grid, legend, then the traces');
  // The legend: each violated property id once, with the name its traces give.
  const legendIds = await page.locator('#legend tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-property')));
  const violated = new Map<string, string>();
  for (const s of runs.values()) for (const v of s.violations) violated.set(v.property, v.name);
  assert.deepEqual([...legendIds].sort(), [...violated.keys()].sort());
  for (const [id, name] of violated) {
    assert.equal((await page.locator(`#legend tr[data-property="${id}"] td`).first().innerText()).trim(), name);
  }
  // Against the nightly matrix's expectations every cell is as expected (the nightly says so too).
  const flags = await page.locator('#verdicts td[data-target]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-as-expected')));
  assert.deepEqual(flags, Array(PRESETS.length * VARIANTS.length).fill('true'));
  assert.equal(await page.locator('#verdicts a.unexpected').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'default-top.png') });
  const header = (await page.locator('#verdicts thead th').allInnerTexts()).map((x) => x.trim());
  assert.deepEqual(header, ['preset', ...VARIANTS]);
  const rows = page.locator('#verdicts tbody tr');
  assert.equal(await rows.count(), PRESETS.length);
  for (const [r, preset] of PRESETS.entries()) {
    assert.equal((await rows.nth(r).locator('th').innerText()).trim(), preset);
    for (const [c, variant] of VARIANTS.entries()) {
      const json = JSON.parse(readFileSync(join(dir, `${preset}-${variant}.summary.json`), 'utf8')) as RunSummary;
      const td = rows.nth(r).locator('td').nth(c);
      assert.equal(await td.getAttribute('data-verdict'), verdict(json), `${preset} x ${variant}`);
      assert.equal((await td.innerText()).trim(), `${verdict(json)} (${json.states})`);
      // Each violated property links to its trace section.
      for (const v of json.violations) {
        const href = await td.locator(`a:text-is("${v.property}")`).getAttribute('href');
        assert.equal(await page.locator(`section[id="${href!.slice(1)}"]`).count(), 1, `${href} exists`);
      }
    }
  }
  const total = [...runs.values()].reduce((n, s) => n + s.violations.length, 0);
  await checkTraces(page, total);
  await page.close();
});

test('default HTML report marks the cells that differ from the expectations it is given', { skip }, async () => {
  const page = await open('default-wrong.html');
  const u2 = page.locator('#verdicts td[data-target="u2-punch-running-vmsa-upstream-base"]');
  assert.equal(await u2.getAttribute('data-as-expected'), 'false');
  assert.deepEqual(await u2.locator('a.unexpected').allInnerTexts(), ['S4', 'S9']);
  assert.deepEqual(await u2.locator('a.expected').allInnerTexts(), ['S3']);
  const d1 = page.locator('#verdicts td[data-target="d1-es-launch-retry-patch1"]');
  assert.equal(await d1.getAttribute('data-as-expected'), 'false');
  assert.equal((await d1.locator('.missing').innerText()).trim(), 'missing S2');
  // Unchanged expectations stay as expected.
  assert.equal(await page.locator('#verdicts td[data-target="u2-punch-running-vmsa-patch1"]').getAttribute('data-as-expected'), 'true');
  await page.screenshot({ path: join(SHOTS, 'default-wrong-top.png') });
  await page.close();
});

test('swim lanes of u2 x patch1 (S4 at VMRUN): the violating step in red, guest and lock spans, and the kick, request and freed-page arrows between the right boxes', { skip }, async () => {
  const s = runs.get('u2-punch-running-vmsa/patch1')!;
  const page = await open(`${s.target}.html`);
  const sec = page.locator('section[data-property="S4"][data-site="kvm_run/vmrun"]');
  assert.equal(await sec.count(), 1);
  // By hand (test/report/lanes.test.ts): vcpu0 kicks vcpu1 at 8 (received at 10) and
  // writes its request (consumed at 11); gmem frees frame2 at 16, vcpu1 runs it at 17.
  const arrows = await sec.locator('svg.msc g.arrow').evaluateAll((gs) =>
    gs.map((g) => [g.getAttribute('data-kind'), g.getAttribute('data-from'), g.getAttribute('data-to'), g.getAttribute('data-from-actor'), g.getAttribute('data-to-actor')]),
  );
  assert.deepEqual(arrows, [
    ['kick', '8', '10', 'vcpu0', 'vcpu1'],
    ['request', '8', '11', 'vcpu0', 'vcpu1'],
    ['page', '16', '17', 'gmem', 'vcpu1'],
  ]);
  // Each arrow is laid out from the box of its first step to the box of the second (as the browser places them).
  const geometry = await sec.locator('svg.msc').evaluate((svg) => {
    type Box = { x: number; y: number; width: number; height: number };
    const q = (sel: string): { getBoundingClientRect(): Box } => (svg as unknown as { querySelector(s: string): { getBoundingClientRect(): Box } }).querySelector(sel);
    const out: { from: Box; to: Box; line: Box }[] = [];
    for (const [f, t] of [[8, 10], [8, 11], [16, 17]]) {
      out.push({
        from: q(`g.step[data-step="${f}"] rect`).getBoundingClientRect(),
        to: q(`g.step[data-step="${t}"] rect`).getBoundingClientRect(),
        line: q(`g.arrow[data-from="${f}"][data-to="${t}"] line`).getBoundingClientRect(),
      });
    }
    return out.map(({ from, to, line }) => ({
      from: { x: from.x, y: from.y, r: from.x + from.width, b: from.y + from.height },
      to: { x: to.x, y: to.y, r: to.x + to.width, b: to.y + to.height },
      line: { x: line.x, y: line.y, r: line.x + line.width, b: line.y + line.height },
    }));
  });
  for (const g of geometry) {
    assert.ok(g.line.y >= g.from.y - 1 && g.line.y <= g.from.b + 1, `arrow starts at its first step's row (${JSON.stringify(g)})`);
    assert.ok(g.line.b >= g.to.y - 1 && g.line.b <= g.to.b + 1, `arrow ends at its second step's row (${JSON.stringify(g)})`);
    const touches = (b: { x: number; r: number }): boolean => Math.abs(g.line.x - b.r) < 2 || Math.abs(g.line.r - b.x) < 2 || Math.abs(g.line.x - b.x) < 2 || Math.abs(g.line.r - b.r) < 2;
    assert.ok(touches(g.from) && touches(g.to), `arrow runs box edge to box edge (${JSON.stringify(g)})`);
  }
  // vcpu0 runs the guest from VMRUN (5) to the VMGEXIT (6): a band over exactly those rows.
  const guest = sec.locator('svg.msc rect.span[data-kind="guest"]');
  assert.deepEqual(await guest.evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-actor'), r.getAttribute('data-from'), r.getAttribute('data-to')])), [['vcpu0', '5', '6']]);
  const band = (await guest.boundingBox())!;
  const row5 = (await sec.locator('svg.msc g.step[data-step="5"] rect').boundingBox())!;
  const row6 = (await sec.locator('svg.msc g.step[data-step="6"] rect').boundingBox())!;
  assert.ok(band.y <= row5.y && band.y + band.height >= row6.y + row6.height, 'the guest band covers steps 5 and 6');
  assert.ok((await sec.locator('svg.msc rect.span[data-kind="lock"][data-name="vcpu1.snp_vmsa_mutex"]').count()) > 0, 'vcpu1.snp_vmsa_mutex span');
  // The violating step: red in the chart and in the table.
  const last = sec.locator('table.lanes tr.violating td.step');
  assert.equal(await last.evaluate((td) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineColor: string } }).getComputedStyle(td).outlineColor), 'rgb(204, 0, 0)');
  assert.equal(await sec.locator('svg.msc g.step.violating rect').getAttribute('stroke'), '#c00');
  await sec.locator('figure.msc').screenshot({ path: join(SHOTS, 'u2-patch1-S4-sequence-chart.png') });
  await sec.locator('table.lanes tr.violating').screenshot({ path: join(SHOTS, 'u2-patch1-S4-violating-row.png') });
  await page.close();
});

test('nightly index.html: the verdict grid is on the first screen, the unexpected id marked, each id linking its trace', { skip }, async () => {
  // smoke holds on upstream-base and violates B1 on patch1 (nightly-matrix.ts EXPECTED);
  // the second entry expects nothing, so its B1 is unexpected.
  const file = writeMatrix(dir, 'matrix.json', [
    { preset: 'smoke', variant: 'patch1', expect: ['B1'] },
    { name: 'smoke-unrecorded', preset: 'smoke', variant: 'patch1', expect: [] },
  ]);
  const r = runCli('nightly', '--matrix', file, '--out', join(dir, 'nightly'), '--date', '2025-03-01', '--quiet');
  assert.equal(r.code, 1, r.err);
  const page = await ctx!.newPage();
  await page.goto(pathToFileURL(join(dir, 'nightly', '2025-03-01', 'index.html')).href, { waitUntil: 'load' });
  const screen = page.viewportSize()!;
  const grid = (await page.locator('#verdicts').boundingBox())!;
  assert.ok(grid.y < screen.height, `the grid starts on the first screen (${grid.y} < ${screen.height})`);
  const expected = page.locator('#verdicts td[data-id="smoke-patch1"] a.expected');
  const unexpected = page.locator('#verdicts td[data-id="smoke-unrecorded"] a.unexpected');
  assert.equal((await expected.innerText()).trim(), 'B1');
  assert.equal((await unexpected.innerText()).trim(), 'B1');
  // The link opens the trace file the nightly wrote.
  const href = (await unexpected.getAttribute('href'))!;
  assert.ok(existsSync(join(dir, 'nightly', '2025-03-01', decodeURI(href))), `${href} exists`);
  assert.equal(await page.locator('#legend tr[data-property="B1"]').count(), 1);
  await page.screenshot({ path: join(SHOTS, 'nightly-index-top.png') });
  await page.close();
});
