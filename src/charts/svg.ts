import { DateTime } from 'luxon';
import { escapeHtml } from '../platform/views.js';
import type { ChartPeriod, CycleTimes, MachineThroughput, StatusFlow, WeekOnTime } from './data.js';

/**
 * Charts drawn on the server as SVG strings: scales, ticks, axes and the four monitoring charts.
 * Every piece of text goes through `escapeText`, so a machine or status named `<script>` is
 * text in the picture. Colours come from CSS classes (public/css/app.css, the charts block).
 */

export function escapeText(value: unknown): string {
  return escapeHtml(value);
}

/** Coordinates rounded to a tenth: enough for any screen, and a smaller page. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/** Maps the domain onto the range linearly; an empty domain maps everything to the range's start. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0))) as LinearScale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/** The step of 1, 2 or 5 times a power of ten that splits `span` into at most `maxTicks` parts. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0)) return 1;
  const rough = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!;
}

/**
 * Round tick values from at most `min` to at least `max`, at most `maxTicks` steps apart: the
 * first and last ticks are the axis's ends, so the data always fits under the top one. Counts
 * pass `minStep` 1, so an axis up to 1 item does not read 0, 0.2, 0.4.
 */
export function niceTicks(min: number, max: number, maxTicks = 5, minStep = 0): number[] {
  const high = max > min ? max : min + 1;
  const step = Math.max(minStep, niceStep(high - min, maxTicks));
  const first = Math.floor(min / step) * step;
  const last = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  // Counting steps (not adding them up) keeps 0.1 + 0.2 from drifting into the labels.
  for (let index = 0; first + index * step <= last + step / 1e9; index += 1) ticks.push(Number((first + index * step).toPrecision(12)));
  return ticks;
}

/** Up to `maxShown` items, evenly spaced, always starting with the first. */
export function thinOut<T>(items: readonly T[], maxShown: number): T[] {
  if (items.length <= maxShown) return [...items];
  const stride = Math.ceil(items.length / maxShown);
  return items.filter((_, index) => index % stride === 0);
}

const numberFormats = new Map<number, Intl.NumberFormat>();

/** "1,234" or "3.5": a page's tables hold a thousand numbers, so each format is made once. */
export function formatNumber(value: number, fractionDigits = 0): string {
  let format = numberFormats.get(fractionDigits);
  if (!format) numberFormats.set(fractionDigits, (format = new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits })));
  return format.format(value);
}

/** Text cut to `maxLength` characters with an ellipsis, for labels in a narrow column. */
export function shorten(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A chart's drawing: its size and the box inside its margins where the data goes. */
export interface Frame {
  width: number;
  height: number;
  plot: Box;
}

export function frame(width: number, height: number, margin: { top: number; right: number; bottom: number; left: number }): Frame {
  return { width, height, plot: { left: margin.left, right: width - margin.right, top: margin.top, bottom: height - margin.bottom } };
}

export interface Tick {
  at: number;
  label: string;
}

/** Horizontal grid lines with their values on the left. */
export function yAxis(plot: Box, scale: LinearScale, ticks: readonly number[], label: (value: number) => string): string {
  return ticks
    .map((value) => {
      const y = round(scale(value));
      return (
        `<line class="chart-gridline" x1="${plot.left}" x2="${plot.right}" y1="${y}" y2="${y}"/>` +
        `<text class="chart-tick" x="${plot.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeText(label(value))}</text>`
      );
    })
    .join('');
}

/** The baseline and its labels under the plot, at positions already scaled. */
export function xAxis(plot: Box, ticks: readonly Tick[]): string {
  const baseline = `<line class="chart-axis" x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}"/>`;
  const labels = ticks.map((tick) => {
    const x = round(tick.at);
    return `<line class="chart-axis" x1="${x}" x2="${x}" y1="${plot.bottom}" y2="${plot.bottom + 4}"/><text class="chart-tick" x="${x}" y="${plot.bottom + 18}" text-anchor="middle">${escapeText(tick.label)}</text>`;
  });
  return baseline + labels.join('');
}

/**
 * A labelled horizontal line across the plot at `value` (a median, a percentile). The label sits
 * at the right end, above the line, or below it when `below` (two rules close together).
 */
export function horizontalRule(plot: Box, scale: LinearScale, value: number, label: string, className: string, below = false): string {
  const y = round(scale(value));
  const labelY = round(below ? y + 14 : y - 5);
  return (
    `<g class="chart-rule ${className}"><line x1="${plot.left}" x2="${plot.right}" y1="${y}" y2="${y}"/>` +
    `<text x="${plot.right - 4}" y="${labelY}" text-anchor="end">${escapeText(label)}</text></g>`
  );
}

/** The outer element: an image with a title and a description for screen readers. */
export function svgImage(id: string, size: { width: number; height: number }, title: string, description: string, body: string): string {
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" id="${escapeText(id)}" viewBox="0 0 ${size.width} ${size.height}" role="img" aria-labelledby="${escapeText(titleId)} ${escapeText(descId)}">` +
    `<title id="${escapeText(titleId)}">${escapeText(title)}</title><desc id="${escapeText(descId)}">${escapeText(description)}</desc>` +
    body +
    '</svg>'
  );
}

// The four charts. Each takes numbers already worked out (src/charts/data.ts) and labels.

// Small enough that a phone's 360 px shows the text at three quarters of its size, large enough
// for two charts side by side on a desktop.
const wide = { width: 480, height: 260 };
const plotMargin = { top: 20, right: 12, bottom: 30, left: 46 };

export interface CycleTimePoint {
  /** Completion instant, epoch milliseconds. */
  at: number;
  workingDays: number;
}

export interface CycleTimeChart {
  id: string;
  title: string;
  description: string;
  from: number;
  until: number;
  points: readonly CycleTimePoint[];
  median: number;
  p85: number;
  xTicks: readonly { at: number; label: string }[];
}

/** Rules closer than this (in pixels) put the lower one's label under its line. */
const ruleLabelGap = 16;

/** Completed items as dots (x: when, y: working days it took), with the median and 85th percentile. */
export function cycleTimeSvg(chart: CycleTimeChart): string {
  const { plot } = frame(wide.width, wide.height, plotMargin);
  const highest = Math.max(chart.p85, ...chart.points.map((point) => point.workingDays));
  const ticks = niceTicks(0, highest, 5);
  const y = linearScale([0, ticks[ticks.length - 1]!], [plot.bottom, plot.top]);
  const x = linearScale([chart.from, chart.until], [plot.left, plot.right]);
  const dots = chart.points.map((point) => `<circle class="chart-point" cx="${round(x(point.at))}" cy="${round(y(point.workingDays))}" r="3"/>`).join('');
  const close = Math.abs(y(chart.median) - y(chart.p85)) < ruleLabelGap;
  const body =
    yAxis(plot, y, ticks, (value) => formatNumber(value, 1)) +
    xAxis(plot, chart.xTicks.map((tick) => ({ at: x(tick.at), label: tick.label }))) +
    `<text class="chart-axis-title" x="4" y="${plot.top - 8}">working days</text>` +
    `<g class="chart-points">${dots}</g>` +
    horizontalRule(plot, y, chart.p85, `85th percentile ${formatNumber(chart.p85, 1)} d`, 'chart-rule-p85') +
    horizontalRule(plot, y, chart.median, `median ${formatNumber(chart.median, 1)} d`, 'chart-rule-median', close);
  return svgImage(chart.id, wide, chart.title, chart.description, body);
}

export interface FlowSeries {
  label: string;
  /** A CSS class giving its colour (chart-series-0 … chart-series-7). */
  className: string;
  /** One count per day, oldest first. */
  counts: readonly number[];
}

export interface FlowChart {
  id: string;
  title: string;
  description: string;
  /** Bottom of the stack first. */
  series: readonly FlowSeries[];
  days: number;
  /** Day indexes and their labels. */
  xTicks: readonly Tick[];
}

/** The outline of one band of a stacked area: along its top edge, then back along its bottom. */
export function bandPath(xs: readonly number[], lower: readonly number[], upper: readonly number[]): string {
  const top = xs.map((x, index) => `${index === 0 ? 'M' : 'L'}${round(x)},${round(upper[index]!)}`);
  const bottom = xs.map((_, index) => xs.length - 1 - index).map((index) => `L${round(xs[index]!)},${round(lower[index]!)}`);
  return `${top.join('')}${bottom.join('')}Z`;
}

/** Items in each status at the end of each day, stacked. */
export function cumulativeFlowSvg(chart: FlowChart): string {
  const { plot } = frame(wide.width, wide.height, plotMargin);
  const totals = Array.from({ length: chart.days }, (_, day) => chart.series.reduce((sum, series) => sum + (series.counts[day] ?? 0), 0));
  const ticks = niceTicks(0, Math.max(1, ...totals), 5, 1);
  const y = linearScale([0, ticks[ticks.length - 1]!], [plot.bottom, plot.top]);
  const x = linearScale([0, Math.max(1, chart.days - 1)], [plot.left, plot.right]);
  const xs = Array.from({ length: chart.days }, (_, day) => x(day));
  let below: number[] = new Array<number>(chart.days).fill(0);
  const bands = chart.series.map((series) => {
    const above = below.map((base, day) => base + (series.counts[day] ?? 0));
    const path = bandPath(xs, below.map(y), above.map(y));
    below = above;
    return `<path class="chart-area ${escapeText(series.className)}" d="${path}"><title>${escapeText(series.label)}</title></path>`;
  });
  const body =
    yAxis(plot, y, ticks, (value) => formatNumber(value)) +
    bands.join('') +
    xAxis(plot, chart.xTicks.map((tick) => ({ at: x(tick.at), label: tick.label }))) +
    `<text class="chart-axis-title" x="4" y="${plot.top - 8}">items</text>`;
  return svgImage(chart.id, wide, chart.title, chart.description, body);
}

export interface ShareBar {
  label: string;
  /** The full sentence for the bar's tooltip. */
  detail: string;
  /** 0 to 1, or null where there is nothing to measure (no bar). */
  share: number | null;
}

export interface ShareChart {
  id: string;
  title: string;
  description: string;
  bars: readonly ShareBar[];
  /** How many bar labels fit under the axis. */
  maxLabels: number;
}

/** Bars spaced closer than this carry no percentage above them (the table has it). */
const minLabelledBand = 28;

/** One bar per period for a share from 0 to 100 %, its percentage above it where there is room. */
export function shareBarsSvg(chart: ShareChart): string {
  const { plot } = frame(wide.width, wide.height, plotMargin);
  const y = linearScale([0, 1], [plot.bottom, plot.top]);
  const band = (plot.right - plot.left) / Math.max(1, chart.bars.length);
  const barWidth = Math.max(2, band * 0.7);
  const bars = chart.bars.map((bar, index) => {
    if (bar.share === null) return '';
    const left = plot.left + index * band + (band - barWidth) / 2;
    const top = y(bar.share);
    const percent =
      band >= minLabelledBand ? `<text class="chart-value chart-share" x="${round(left + barWidth / 2)}" y="${round(top - 4)}" text-anchor="middle">${escapeText(`${Math.round(bar.share * 100)}%`)}</text>` : '';
    return `<g class="chart-bar"><title>${escapeText(bar.detail)}</title><rect x="${round(left)}" y="${round(top)}" width="${round(barWidth)}" height="${round(Math.max(0, plot.bottom - top))}"/>${percent}</g>`;
  });
  const labelled = thinOut(chart.bars.map((bar, index) => ({ at: plot.left + (index + 0.5) * band, label: bar.label })), chart.maxLabels);
  const body = yAxis(plot, y, [0, 0.25, 0.5, 0.75, 1], (value) => `${value * 100}%`) + bars.join('') + xAxis(plot, labelled);
  return svgImage(chart.id, wide, chart.title, chart.description, body);
}

export interface CountRow {
  label: string;
  count: number;
}

export interface CountChart {
  id: string;
  title: string;
  description: string;
  rows: readonly CountRow[];
}

const rowHeight = 30;
const labelColumn = 150;
const labelChars = 20;

/** Horizontal bars, one per row, longest scale first, with the count at each bar's end. */
export function countBarsSvg(chart: CountChart): string {
  const size = { width: wide.width, height: 16 + chart.rows.length * rowHeight };
  const plot: Box = { left: labelColumn, right: size.width - 52, top: 8, bottom: size.height - 8 };
  const x = linearScale([0, Math.max(1, ...chart.rows.map((row) => row.count))], [plot.left, plot.right]);
  const rows = chart.rows.map((row, index) => {
    const top = plot.top + index * rowHeight;
    const middle = round(top + rowHeight / 2);
    const end = x(row.count);
    return (
      `<g class="chart-bar"><title>${escapeText(`${row.label}: ${formatNumber(row.count)}`)}</title>` +
      `<text class="chart-label" x="${plot.left - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle">${escapeText(shorten(row.label, labelChars))}</text>` +
      `<rect x="${plot.left}" y="${round(top + 5)}" width="${round(Math.max(1, end - plot.left))}" height="${rowHeight - 10}"/>` +
      `<text class="chart-value" x="${round(end + 6)}" y="${middle}" dominant-baseline="middle">${escapeText(formatNumber(row.count))}</text></g>`
    );
  });
  const axis = `<line class="chart-axis" x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}"/>`;
  return svgImage(chart.id, size, chart.title, chart.description, rows.join('') + axis);
}

// The monitoring page's four figures: the data's words and ticks, then the chart.

export interface LegendEntry {
  label: string;
  className: string;
}

export interface Figure {
  svg: string;
  legend: LegendEntry[];
}

const maxDateTicks = 7;
const seriesColours = 8;

export function seriesClass(index: number): string {
  return `chart-series-${index % seriesColours}`;
}

/** "Mar 3" for a YYYY-MM-DD date. */
export function dayLabel(date: string): string {
  return DateTime.fromISO(date, { zone: 'utc' }).toFormat('LLL d');
}

/** Ticks at the period's Mondays ("Mar 8"), or over a long period at the first of some months, named with the year where it changes ("Apr 2026", "Jul", … "Jan 2027"): day indexes. */
export function dateTicks(dates: readonly string[], maxTicks = maxDateTicks): Tick[] {
  const monthly = dates.length > 120;
  const marked = dates
    .map((date, index) => ({ day: DateTime.fromISO(date, { zone: 'utc' }), index }))
    .filter(({ day }) => (monthly ? day.day === 1 : day.weekday === 1));
  let year: number | undefined;
  // Month names with a year are wider than days: fewer of them fit.
  return thinOut(marked, monthly ? Math.min(maxTicks, 5) : maxTicks).map(({ day, index }) => {
    const label = monthly ? day.toFormat(day.year === year ? 'LLL' : 'LLL yyyy') : day.toFormat('LLL d');
    year = day.year;
    return { at: index, label };
  });
}

const days = (value: number) => `${formatNumber(value, 1)} working ${value === 1 ? 'day' : 'days'}`;
const items = (count: number) => `${formatNumber(count)} ${count === 1 ? 'item' : 'items'}`;
const percent = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;

export function cycleTimeFigure(times: CycleTimes, period: ChartPeriod): Figure | null {
  if (times.count === 0) return null;
  const midnight = (date: string) => DateTime.fromISO(date, { zone: period.timeZone }).toMillis();
  const sampled = times.points.length < times.count ? ` Each dot is an item; ${formatNumber(times.points.length)} of them, evenly spread, are drawn.` : ' Each dot is an item.';
  const svg = cycleTimeSvg({
    id: 'chart-cycle-time',
    title: `Cycle time of the items completed in the last ${period.days} days`,
    description: `${items(times.count)} completed: from order to completion, the median took ${days(times.medianDays)} and 85% took at most ${days(times.p85Days)}.${sampled}`,
    from: period.from.getTime(),
    until: Math.max(period.until.getTime(), ...times.points.map((point) => point.at)),
    points: times.points,
    median: times.medianDays,
    p85: times.p85Days,
    xTicks: dateTicks(period.dates).map((tick) => ({ at: midnight(period.dates[tick.at]!), label: tick.label })),
  });
  return { svg, legend: [] };
}

export function cumulativeFlowFigure(flows: readonly StatusFlow[], period: ChartPeriod): Figure | null {
  if (!flows.some((flow) => flow.counts.some((count) => count > 0))) return null;
  const legend = flows.map((flow, index) => ({ label: flow.label, className: seriesClass(index) }));
  // The first statuses on top, as work flows down towards done.
  const series = flows.map((flow, index) => ({ label: flow.label, className: legend[index]!.className, counts: flow.counts })).reverse();
  const today = flows.map((flow) => `${flow.label} ${formatNumber(flow.counts[flow.counts.length - 1] ?? 0)}`).join(', ');
  const svg = cumulativeFlowSvg({
    id: 'chart-flow',
    title: `Items in each open or on-hold status at the end of each day, last ${period.days} days`,
    description: `Stacked areas, one per status, the first status on top. Now: ${today}.`,
    series,
    days: period.days,
    xTicks: dateTicks(period.dates),
  });
  return { svg, legend };
}

export function onTimeFigure(weeks: readonly WeekOnTime[], period: ChartPeriod): Figure | null {
  const completed = weeks.reduce((sum, week) => sum + week.completed, 0);
  if (completed === 0) return null;
  const onTime = weeks.reduce((sum, week) => sum + week.onTime, 0);
  const bars = weeks.map((week) => ({
    label: dayLabel(week.week),
    share: week.completed > 0 ? week.onTime / week.completed : null,
    detail: week.completed > 0 ? `Week of ${dayLabel(week.week)}: ${formatNumber(week.onTime)} of ${items(week.completed)} on time (${percent(week.onTime, week.completed)})` : `Week of ${dayLabel(week.week)}: no items with a due date completed`,
  }));
  const svg = shareBarsSvg({
    id: 'chart-on-time',
    title: `Items completed by their due date, per week, last ${period.days} days`,
    description: `One bar per week (weeks start on Monday): the share of the items completed that week with a due date that were completed by the end of it. Over the period, ${formatNumber(onTime)} of ${items(completed)} (${percent(onTime, completed)}).`,
    bars,
    maxLabels: maxDateTicks,
  });
  return { svg, legend: [] };
}

export const noMachine = 'No machine';

export function machineFigure(machines: readonly MachineThroughput[], period: ChartPeriod): Figure | null {
  if (machines.length === 0) return null;
  const rows = machines.map((machine) => ({ label: machine.name ?? noMachine, count: machine.completed }));
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const svg = countBarsSvg({
    id: 'chart-machines',
    title: `Items completed per machine, last ${period.days} days`,
    description: `${items(total)} completed: ${rows.map((row) => `${row.label} ${formatNumber(row.count)}`).join(', ')}.`,
    rows,
  });
  return { svg, legend: [] };
}
