// node check_report.mjs REPORT_HTML SCREENSHOT_PNG
//
// Opens heapscope's report.html from disk in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core; nothing is downloaded) and
// checks it as a person would use it: every section is there, the leak
// suspects are listed, the dominator tree expands, the tables sort, the chart
// is drawn and zooms. Any console error, page error, failed request or
// request that leaves the file fails the check. Saves a full-page screenshot
// to SCREENSHOT_PNG (also on failure, when the page got that far). Exit 0 on
// success, 1 on a failed check, 2 on bad usage.
import { pathToFileURL } from 'node:url';
import { checkPage } from './page_check.mjs';

const SECTIONS = ['overview', 'suspects', 'chart', 'dominator-tree', 'top-classes', 'top-packages',
  'class-loaders', 'duplicate-strings', 'collections', 'boxed-primitives', 'native-memory', 'threads'];
const NUMERIC = new Set(['int', 'bytes', 'pct', 'ratio', 'bool']);

// Values of a table column (td data-value), as numbers for numeric columns.
async function columnValues(table, index, numeric) {
  const raw = await table.locator(`tbody tr[data-testid="table-row"], tbody tr[data-testid="tree-row"]`)
    .evaluateAll((rows, i) => rows.map((r) => r.children[i]?.getAttribute('data-value') ?? ''), index);
  return numeric ? raw.map((v) => (v === '' ? null : Number(v))) : raw;
}
function isSorted(values, dir, numeric) {
  const present = values.filter((v) => v !== null && v !== '');
  for (let i = 1; i < present.length; i++) {
    const c = numeric ? present[i - 1] - present[i]
      : present[i - 1].localeCompare(present[i], 'en', { sensitivity: 'base', numeric: true });
    if (dir === 'ascending' ? c > 0 : c < 0) return false;
  }
  return true;
}

await checkPage('check_report', async (page, check, htmlPath) => {
  const { ok, fail } = check;
  const url = pathToFileURL(htmlPath).href;
  console.log(`check_report: ${url}`);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 })
    .then(() => ok('the page rendered (body[data-ready])'))
    .catch(() => fail('the page never finished rendering (no body[data-ready="true"])'));

  const data = await page.evaluate(() => {
    try { return JSON.parse(document.getElementById('report-data').textContent); } catch { return null; }
  });
  check(data && typeof data === 'object', 'the report-data element holds JSON');
  const report = data ?? {};

  // Sections and navigation.
  for (const id of SECTIONS) {
    const n = await page.locator(`section#${id}`).count();
    const heading = n === 1 ? (await page.locator(`section#${id} > h2`).textContent())?.trim() : '';
    check(n === 1 && heading, `section #${id} is there ("${heading}")`);
  }
  const navLinks = await page.locator('nav a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(1)));
  check(SECTIONS.every((id) => navLinks.includes(id)), 'the nav bar links every section');

  // Leak suspects.
  const suspects = Array.isArray(report.suspects) ? report.suspects : [];
  const cards = await page.locator('#suspects [data-testid="suspect-card"]').count();
  if (suspects.length) {
    check(cards === suspects.length, `#suspects shows one card per suspect (${cards} of ${suspects.length})`);
    const withPaths = suspects.filter((s) => Array.isArray(s?.paths) && s.paths.length).length;
    if (withPaths) {
      const paths = await page.locator('#suspects [data-testid="suspect-path"]').count();
      check(paths > 0, `suspect paths from GC roots are rendered (${paths})`);
      const first = page.locator('#suspects [data-testid="suspect-paths"]').first();
      const text = (await first.locator('[data-testid="suspect-path"]').first().textContent()) ?? '';
      // A path of one object (the root itself) has no arrow; longer ones do.
      const firstPath = suspects.find((s) => Array.isArray(s?.paths) && s.paths.length).paths[0] ?? [];
      const wantArrow = firstPath.length > 1;
      check(!wantArrow || text.includes('→'), `a path reads "root → ... ": ${text.slice(0, 100)}`);
      check(text.includes(firstPath[firstPath.length - 1]?.class ?? ''), `the path ends at its object's class`);
    }
  } else {
    const text = await page.locator('#suspects').textContent();
    check(cards === 0 && /No leak suspects above the threshold/.test(text), '#suspects says "No leak suspects above the threshold"');
  }

  // Dominator tree: the first collapsed toggle expands its children.
  const tree = report.dominator_tree;
  if (tree && Array.isArray(tree.children) && tree.children.length) {
    const rows = page.locator('#dominator-tree [data-testid="tree-row"]');
    const before = await rows.count();
    const toggle = page.locator('#dominator-tree [data-testid="tree-toggle"][aria-expanded="false"]').first();
    if (!await toggle.count()) throw new Error('#dominator-tree has no collapsed [data-testid="tree-toggle"] to click');
    const id = await toggle.evaluate((b) => b.closest('tr').getAttribute('data-id'));
    await toggle.click();
    const after = await rows.count();
    check(after > before, `expanding dominator-tree row ${id} adds child rows (${before} -> ${after})`);
    const expanded = await page.locator(`#dominator-tree tr[data-id="${id}"] [data-testid="tree-toggle"]`).getAttribute('aria-expanded');
    check(expanded === 'true', 'the toggle now reads aria-expanded="true"');
    await page.locator(`#dominator-tree tr[data-id="${id}"] [data-testid="tree-toggle"]`).click();
    check(await rows.count() === before, 'clicking it again collapses the rows');
    if (report.dominator_tree.more > 0 || JSON.stringify(tree).includes('"more":')) {
      await page.locator('#dominator-tree [data-testid="tree-expand-largest"]').click();
      ok(`"Expand the largest path" shows ${await rows.count()} rows`);
    }
  } else {
    const text = await page.locator('#dominator-tree').textContent();
    check(/No dominator tree/.test(text), '#dominator-tree says there is no tree');
  }

  // Chart: SVG drawn, a tooltip on hover, zoom in and back.
  if (tree && typeof tree === 'object') {
    const rects = await page.locator('#chart svg rect[data-testid="chart-node"]').count();
    check(await page.locator('#chart svg').count() > 0 && rects > 1, `#chart draws an SVG with ${rects} blocks`);
    const target = page.locator('#chart rect[data-testid="chart-node"][data-depth="1"]').first();
    if (await target.count()) {
      const id = await target.getAttribute('data-id');
      await target.hover();
      const tip = page.locator('#tooltip');
      check(await tip.isVisible() && (await tip.textContent()).includes('retained'), 'hovering a block shows a tooltip with its retained size');
      await target.click();
      check(await page.locator('#chart').getAttribute('data-zoom') === id, `clicking a block zooms into it (${id})`);
      await page.locator('#chart [data-testid="chart-up"]').click();
      check(await page.locator('#chart').getAttribute('data-zoom') === String(tree.id), 'Up goes back to the root');
      await page.mouse.move(0, 0);
    }
  } else {
    check(/No dominator tree/.test(await page.locator('#chart').textContent()), '#chart says there is no tree');
  }

  // Sorting: a numeric column of the first table with two rows or more,
  // preferring the top classes; clicked twice, once each way.
  const tables = page.locator('main table[data-table]');
  let sortTable = null;
  for (const name of ['top-classes', ...await tables.evaluateAll((ts) => ts.map((t) => t.getAttribute('data-table')))]) {
    const t = page.locator(`main table[data-table="${name}"]`).first();
    if (await t.count() && await t.locator('tbody tr[data-testid="table-row"], tbody tr[data-testid="tree-row"]').count() >= 2) { sortTable = t; break; }
  }
  if (sortTable) {
    const name = await sortTable.getAttribute('data-table');
    const headers = sortTable.locator('th[data-testid="sortable-header"]');
    const types = await headers.evaluateAll((ths) => ths.map((th) => th.getAttribute('data-type')));
    // A numeric column that is not the current sort, else the first column.
    const sortedNow = await headers.evaluateAll((ths) => ths.findIndex((th) => th.hasAttribute('aria-sort')));
    let idx = types.findIndex((t, i) => NUMERIC.has(t) && i !== sortedNow);
    if (idx < 0) idx = 0;
    const numeric = NUMERIC.has(types[idx]);
    const label = (await headers.nth(idx).textContent()).replace(/[▲▼]/g, '').trim();
    const before = await columnValues(sortTable, idx, numeric);
    for (let round = 0; round < 2; round++) {
      await headers.nth(idx).click();
      const dir = await headers.nth(idx).getAttribute('aria-sort');
      const arrow = (await headers.nth(idx).locator('.arrow').textContent()).trim();
      const values = await columnValues(sortTable, idx, numeric);
      check((dir === 'ascending' || dir === 'descending') && isSorted(values, dir, numeric) && arrow === (dir === 'ascending' ? '▲' : '▼'),
        `table ${name}: clicking "${label}" sorts it ${dir} ${arrow} (${values.slice(0, 4).join(', ')}${values.length > 4 ? ', ...' : ''})`);
      if (round === 0 && JSON.stringify(values) === JSON.stringify(before) && !isSorted(before, dir, numeric)) fail('the order did not change');
    }
  } else {
    ok('no table with two rows to sort');
  }

  // Threads: the stack frames open.
  const frames = page.locator('#threads [data-testid="thread-frames"]').first();
  if (await frames.count()) {
    await frames.locator('summary').click();
    check(await frames.locator('li').first().isVisible(), 'a thread\'s stack frames expand');
  }

});
