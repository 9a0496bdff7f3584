import t from 'tap';
import { periodEnding, weeksOf } from '../../src/charts/data.js';
import {
  bandPath,
  countBarsSvg,
  cycleTimeSvg,
  dateTicks,
  escapeText,
  linearScale,
  niceStep,
  niceTicks,
  shareBarsSvg,
  shorten,
  svgImage,
  thinOut,
} from '../../src/charts/svg.js';

t.test('a linear scale maps the domain onto the range, either way up', async (t) => {
  const x = linearScale([0, 10], [40, 440]);
  t.equal(x(0), 40);
  t.equal(x(5), 240);
  t.equal(x(10), 440);
  const y = linearScale([0, 8], [230, 20]);
  t.equal(y(0), 230, 'zero at the bottom');
  t.equal(y(8), 20, 'the top value at the top');
  t.equal(y(2), 177.5);
  t.equal(linearScale([3, 3], [10, 90])(3), 10, 'an empty domain does not divide by zero');
});

t.test('ticks are round numbers that cover the data', async (t) => {
  t.equal(niceStep(7.3, 5), 2);
  t.equal(niceStep(100, 5), 20);
  t.equal(niceStep(0.9, 5), 0.2);
  t.same(niceTicks(0, 7.3), [0, 2, 4, 6, 8], 'the last tick is above the highest value');
  t.same(niceTicks(0, 8), [0, 2, 4, 6, 8]);
  t.same(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3], 'no 0.30000000000000004');
  t.same(niceTicks(0, 1234), [0, 500, 1000, 1500]);
  t.same(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1], 'nothing to show still gives an axis');
  t.same(niceTicks(0, 1, 5, 1), [0, 1], 'counts step by whole items');
  t.same(niceTicks(0, 3, 5, 1), [0, 1, 2, 3]);
  t.same(thinOut([1, 2, 3, 4, 5, 6, 7], 3), [1, 4, 7]);
  t.same(thinOut([1, 2], 3), [1, 2]);
});

t.test('date ticks: Mondays over weeks, the first of each month over a year', async (t) => {
  const month = periodEnding(new Date('2027-03-31T18:00:00Z'), 30, 'America/Chicago');
  t.equal(month.dates[0], '2027-03-02');
  t.equal(month.dates[29], '2027-03-31');
  t.equal(month.from.toISOString(), '2027-03-02T06:00:00.000Z', 'the first day starts at the shop’s midnight');
  t.same(
    dateTicks(month.dates).map((tick) => `${tick.at}:${tick.label}`),
    ['6:Mar 8', '13:Mar 15', '20:Mar 22', '27:Mar 29'],
  );
  const year = periodEnding(new Date('2027-03-31T18:00:00Z'), 365, 'America/Chicago');
  const ticks = dateTicks(year.dates);
  t.same(
    ticks.map((tick) => tick.label),
    ['Apr 2026', 'Jul', 'Oct', 'Jan 2027'],
    'every third month, the year named where it changes',
  );
  t.ok(ticks.every((tick) => year.dates[tick.at]!.endsWith('-01')));
  t.same(weeksOf(month).slice(0, 2), ['2027-03-01', '2027-03-08'], 'weeks start on Monday, the first one partly before the period');
});

t.test('every label is escaped: a hostile name is text', async (t) => {
  t.equal(escapeText('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.equal(escapeText('"&\''), '&quot;&amp;&#39;');
  t.equal(shorten('Large-format printer and more', 10), 'Large-for…');
  const svg = countBarsSvg({
    id: 'machines',
    title: 'Per machine <b>',
    description: 'Who "&" what',
    rows: [
      { label: '<script>alert(1)</script>', count: 3 },
      { label: '"&', count: 1 },
    ],
  });
  t.notMatch(svg, /<script>/);
  t.notMatch(svg, /<b>/);
  t.match(svg, '<title id="machines-title">Per machine &lt;b&gt;</title>');
  t.match(svg, '<desc id="machines-desc">Who &quot;&amp;&quot; what</desc>');
  t.match(svg, '&lt;script&gt;alert(1)&lt;/script&gt;: 3</title>', 'the bar’s tooltip names it in full');
  t.match(svg, '>&lt;script&gt;alert(1)&lt;/s&#8230;</text>', 'the label, shortened, still escaped (the ellipsis as a reference, as pages write it)');
  t.match(svg, '>&quot;&amp;</text>');
  t.equal((svg.match(/<rect /g) ?? []).length, 2);
});

t.test('an SVG image says what it is to screen readers', async (t) => {
  const svg = svgImage('chart-x', { width: 480, height: 260 }, 'A title', 'A description', '<g/>');
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="chart-svg" id="chart-x" viewBox="0 0 480 260" role="img" aria-labelledby="chart-x-title chart-x-desc">/);
  t.match(svg, /<title id="chart-x-title">A title<\/title><desc id="chart-x-desc">A description<\/desc><g\/><\/svg>$/);
  t.notMatch(svg, /\swidth="/, 'no fixed size: it is as wide as its column');
});

const cycle = {
  id: 'cycle',
  title: 'Cycle time',
  description: 'Dots',
  from: 0,
  until: 1000,
  xTicks: [{ at: 500, label: 'Mar 8' }],
};

t.test('the median and 85th percentile rules sit at their values on the y axis', async (t) => {
  // Plot from y = 230 (0 days) up to y = 20 (8 days, the top tick above the slowest item).
  const svg = cycleTimeSvg({ ...cycle, points: [{ at: 0, workingDays: 1 }, { at: 1000, workingDays: 7.5 }], median: 2, p85: 5 });
  t.match(svg, '<g class="chart-rule chart-rule-median"><line x1="46" x2="468" y1="177.5" y2="177.5"/><text x="464" y="172.5" text-anchor="end">median 2 d</text></g>');
  t.match(svg, '<g class="chart-rule chart-rule-p85"><line x1="46" x2="468" y1="98.8" y2="98.8"/><text x="464" y="93.8" text-anchor="end">85th percentile 5 d</text></g>');
  t.match(svg, '<circle class="chart-point" cx="46" cy="203.8" r="3"/>', 'the first dot: the left edge, 1 day up');
  t.match(svg, '<circle class="chart-point" cx="468" cy="33.1" r="3"/>');
  t.match(svg, '>8</text>', 'the axis goes up to 8');
  t.match(svg, '<text class="chart-tick" x="257" y="248" text-anchor="middle">Mar 8</text>');

  const close = cycleTimeSvg({ ...cycle, points: [], median: 2, p85: 2.1 });
  const [, lineY, labelY] = close.match(/chart-rule-median"><line [^>]*y1="([\d.]+)"[^>]*\/><text x="464" y="([\d.]+)"/)!;
  t.ok(Number(labelY) > Number(lineY), 'two rules close together: the median’s label goes under its line');
  t.match(close, '85th percentile 2.1 d');
});

t.test('stacked bands and share bars', async (t) => {
  t.equal(bandPath([0, 10, 20], [100, 100, 100], [90, 80, 70]), 'M0,90L10,80L20,70L20,100L10,100L0,100Z', 'along the top, back along the bottom');
  const bars = shareBarsSvg({
    id: 'on-time',
    title: 'On time',
    description: 'Weeks',
    maxLabels: 7,
    bars: [
      { label: 'Mar 1', detail: 'Week of Mar 1: 3 of 4 items on time (75%)', share: 0.75 },
      { label: 'Mar 8', detail: 'Week of Mar 8: no items with a due date completed', share: null },
      { label: 'Mar 15', detail: 'Week of Mar 15: 0 of 2 items on time (0%)', share: 0 },
    ],
  });
  t.equal((bars.match(/<rect /g) ?? []).length, 2, 'no bar for a week with nothing to measure');
  t.match(bars, '<title>Week of Mar 1: 3 of 4 items on time (75%)</title><rect x="67.1" y="72.5" width="98.5" height="157.5"/>');
  t.match(bars, '>75%</text>');
  t.match(bars, /chart-share"[^>]*>0%<\/text>/, 'a week with none on time says 0%');
});
