import type { BusinessClock } from '../monitoring/business-time.js';
import type { DurationLookup } from '../monitoring/durations.js';
import { forecaster, type Forecast } from '../monitoring/eta.js';
import { expectedWorkingMs, paceOf, type Pace } from '../monitoring/time-in-status.js';
import type { Workflow } from '../workflow/definition.js';
import type { BatchLineItem } from './batches.js';

/** Where an item stands, in the words of a batch's breakdown. */
export type Stage = 'in-production' | 'ready' | 'done' | 'on-hold' | 'cancelled';
export const stageLabels: Record<Stage, string> = {
  'in-production': 'In production',
  ready: 'Built, awaiting handover',
  done: 'Done',
  'on-hold': 'On hold',
  cancelled: 'Cancelled',
};

/** Statuses an item enters by being built (the moves whose intent is "built"): ready for review. */
export function builtStatuses(workflow: Workflow): Set<string> {
  return new Set(workflow.transitions.filter((transition) => transition.intent === 'built').map((transition) => transition.to));
}

export function stageOf(workflow: Workflow, built: ReadonlySet<string>, status: string): Stage {
  const kind = workflow.statuses.get(status)?.kind;
  if (kind === 'completed') return 'done';
  if (kind === 'cancelled') return 'cancelled';
  if (kind === 'hold') return 'on-hold';
  return built.has(status) ? 'ready' : 'in-production';
}

export interface BatchItemProgress extends BatchLineItem {
  stage: Stage;
  pace: Pace | null;
  forecast: Forecast | undefined;
  waitsOnCustomer: boolean;
}

export interface ProductProgress {
  description: string;
  total: number;
  done: number;
  ready: number;
  onHold: number;
  late: number;
}

export interface BatchProgress {
  total: number;
  /** Done out of the items not cancelled, 0 to 100. */
  percent: number;
  stages: Record<Stage, number>;
  /** The latest likely finish among its unfinished items. */
  expectedCompletion: Date | null;
  late: number;
  nearlyDue: number;
  forecastToMissDue: number;
  blockedOnCustomer: number;
  /** When the longest-waiting item started waiting on the customer. */
  blockedSince: Date | null;
  /** Items with any alert (late, forecast to miss the due date, waiting on the customer, on hold), each once. */
  itemsWithAlerts: number;
  products: ProductProgress[];
  items: BatchItemProgress[];
}

/**
 * A batch's progress from its items: the breakdown by stage, lateness of each item's current
 * stay on the shop's clock, forecasts, and the same per product (items with one description).
 */
export function batchProgress(items: readonly BatchLineItem[], workflow: Workflow, clock: BusinessClock, history: DurationLookup, now: Date): BatchProgress {
  const built = builtStatuses(workflow);
  const forecast = forecaster(workflow, clock, now, history);
  const stages: Record<Stage, number> = { 'in-production': 0, ready: 0, done: 0, 'on-hold': 0, cancelled: 0 };
  const products = new Map<string, ProductProgress>();
  let late = 0;
  let nearlyDue = 0;
  let forecastToMissDue = 0;
  let blockedOnCustomer = 0;
  let blockedSince: Date | null = null;
  let itemsWithAlerts = 0;
  let expectedCompletion: Date | null = null;
  const progress: BatchItemProgress[] = items.map((item) => {
    const status = workflow.statuses.get(item.status);
    const stage = stageOf(workflow, built, item.status);
    const counted = status?.kind === 'open' && status.waitsOn === 'shop';
    const workingMs = clock.between(item.statusEnteredAt, now);
    const pace = counted ? paceOf(workingMs, expectedWorkingMs(status, clock)) : null;
    const itemForecast = forecast(item, workingMs);
    const waitsOnCustomer = status?.kind === 'open' && status.waitsOn === 'customer';
    stages[stage] += 1;
    if (pace === 'late') late += 1;
    if (pace === 'warning') nearlyDue += 1;
    if (itemForecast?.missesDue) forecastToMissDue += 1;
    if (itemForecast && (expectedCompletion === null || itemForecast.likely > expectedCompletion)) expectedCompletion = itemForecast.likely;
    if (pace === 'late' || itemForecast?.missesDue || waitsOnCustomer || stage === 'on-hold') itemsWithAlerts += 1;
    if (waitsOnCustomer) {
      blockedOnCustomer += 1;
      if (blockedSince === null || item.statusEnteredAt < blockedSince) blockedSince = item.statusEnteredAt;
    }
    let product = products.get(item.description);
    if (!product) products.set(item.description, (product = { description: item.description, total: 0, done: 0, ready: 0, onHold: 0, late: 0 }));
    if (stage !== 'cancelled') product.total += 1;
    if (stage === 'done') product.done += 1;
    if (stage === 'ready') product.ready += 1;
    if (stage === 'on-hold') product.onHold += 1;
    if (pace === 'late') product.late += 1;
    return { ...item, stage, pace, forecast: itemForecast, waitsOnCustomer };
  });
  const counted = items.length - stages.cancelled;
  return {
    total: items.length,
    percent: counted === 0 ? 0 : Math.floor((stages.done / counted) * 100),
    stages,
    expectedCompletion,
    late,
    nearlyDue,
    forecastToMissDue,
    blockedOnCustomer,
    blockedSince,
    itemsWithAlerts,
    products: [...products.values()].sort((a, b) => b.total - a.total || a.description.localeCompare(b.description)),
    items: progress,
  };
}
