// node check_trend_page.mjs TREND_HTML SCREENSHOT_PNG
//
// Opens the page `heapscope trend --html` writes in headless Chromium (see
// page_check.mjs) and checks that it renders without an error and draws one
// card with a chart per growing item, and a chart per accumulation point.
import { pathToFileURL } from 'node:url';
import { checkPage } from './page_check.mjs';

await checkPage('check_trend_page', async (page, check, htmlPath) => {
  await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
  const data = await page.evaluate(() => JSON.parse(document.getElementById('trend-data').textContent));
  const growing = (data.growing || []).length;
  const cards = await page.locator('[data-testid="growing-item"]').count();
  check(cards === growing, `one card per growing item (${cards} of ${growing})`);
  const cardCharts = await page.locator('[data-testid="growing-item"] svg[data-testid="spark"] path').count();
  check(cardCharts === growing, `each growing item has its chart (${cardCharts})`);
  const points = (data.points || []).length;
  const rows = await page.locator('#points-table tbody tr').count();
  check(rows === points, `one row per accumulation point (${rows} of ${points})`);
  for (const id of ['growing', 'points', 'classes', 'dumps']) {
    check(await page.locator(`section#${id}`).count() === 1, `section #${id} is there`);
  }
});
