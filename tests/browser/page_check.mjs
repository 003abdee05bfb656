// page_check.mjs - what every browser check of a heapscope page shares:
// Debian's /usr/bin/chromium (playwright-core; nothing is downloaded) with
// the flags this machine's closed network needs, a fresh profile, failure on
// any console error, page error, failed request or request that leaves the
// file, and a full-page screenshot at the end (also of a failed page).
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.HEAPSCOPE_CHROMIUM || '/usr/bin/chromium';

// Runs `body(page, check)` on the page at argv's HTML path and exits: 0 when
// every check held, 1 on a failed check, 2 on bad usage.
export async function checkPage(name, body) {
  const [htmlArg, pngArg] = process.argv.slice(2);
  if (!htmlArg || !pngArg || process.argv.length !== 4) {
    console.error(`usage: node ${name}.mjs HTML SCREENSHOT_PNG`);
    process.exit(2);
  }
  const htmlPath = path.resolve(htmlArg);
  const pngPath = path.resolve(pngArg);
  if (!existsSync(htmlPath)) {
    console.error(`${name}: ${htmlPath} does not exist`);
    process.exit(2);
  }
  const failures = [];
  const fail = (msg) => { failures.push(msg); console.log(`  FAIL ${msg}`); };
  const ok = (msg) => console.log(`  ok   ${msg}`);
  const check = (cond, msg) => (cond ? ok(msg) : fail(msg));
  check.ok = ok;
  check.fail = fail;

  const userDataDir = mkdtempSync(path.join(tmpdir(), 'heapscope-chromium-'));
  let context;
  let page;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
      deviceScaleFactor: 1,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('console', (m) => { if (m.type() === 'error') fail(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => fail(`page error: ${e.message}`));
    page.on('requestfailed', (r) => fail(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => {
      if (!/^(file|data|about|blob):/.test(r.url())) fail(`network request: ${r.url()}`);
    });
    await body(page, check, htmlPath);
    // Let late events arrive, then the picture.
    await page.waitForTimeout(200);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: pngPath, fullPage: true });
    console.log(`  screenshot ${pngPath}`);
  } catch (e) {
    fail(`the check stopped: ${e.message.split('\n')[0]}`);
    if (page) {
      await page.screenshot({ path: pngPath, fullPage: true })
        .then(() => console.log(`  screenshot ${pngPath} (of the failed page)`)).catch(() => {});
    }
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`${name}: ${failures.length} problem(s) in ${htmlPath}:`);
    for (const f of failures) console.error(`  - ${f}`);
    process.exit(1);
  }
  console.log(`${name}: ${htmlPath} passed`);
  process.exit(0);
}
