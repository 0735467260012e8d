import type { ContenderSummary } from './summarize';

const WIDTH = 760;
const LABEL_WIDTH = 190;
const BAR_AREA = 440;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const PANEL_TITLE = 28;
const PANEL_GAP = 16;
const COLORS = { library: '#2f6fb5', other: '#8a96a3', failed: '#c0392b' };
const LIBRARY = 'eventbus';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart of throughput (msgs/s), one panel per scenario with its own scale (an I/O-bound
 * and a no-op scenario differ by orders of magnitude). Failed contenders are drawn in red and marked ✗.
 */
export function throughputChart(
  summaries: readonly ContenderSummary[],
  titles: ReadonlyMap<string, string>,
): string {
  const scenarios = [...new Set(summaries.map((s) => s.scenario))];
  const parts: string[] = [];
  let y = 10;
  for (const scenario of scenarios) {
    const rows = summaries.filter((s) => s.scenario === scenario);
    const max = Math.max(1, ...rows.map((s) => s.msgsPerSec));
    parts.push(
      `<text x="10" y="${y + 18}" font-size="14" font-weight="bold">${escape(titles.get(scenario) ?? scenario)}</text>`,
    );
    y += PANEL_TITLE;
    for (const s of rows) {
      const width = Math.max(1, Math.round((s.msgsPerSec / max) * BAR_AREA));
      const color = !s.ok ? COLORS.failed : s.contender === LIBRARY ? COLORS.library : COLORS.other;
      const value = `${integer.format(s.msgsPerSec)} msgs/s${s.ok ? '' : ` ✗ ${escape(s.problems[0] ?? '')}`}`;
      const textY = y + BAR_HEIGHT - 5;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${textY}" font-size="12" text-anchor="end">${escape(s.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" fill="${color}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${textY}" font-size="12">${value}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
