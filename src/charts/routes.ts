import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { Type } from 'typebox';
import type { Db } from '../db/database.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import { Query } from '../platform/schemas.js';
import type { Workflow } from '../workflow/definition.js';
import { cumulativeFlow, cycleTimes, defaultPeriod, flowPeriodOf, onTimeByWeek, periodChoices, periodEnding, throughputByMachine, type ChartPeriod, type PeriodChoice } from './data.js';
import { cumulativeFlowFigure, cycleTimeFigure, dayLabel, formatNumber, machineFigure, noMachine, onTimeFigure } from './svg.js';

const ChartsQuery = Query({ period: Type.Union(periodChoices.map((choice) => Type.Literal(choice))) });

const choiceLabels: Record<PeriodChoice, string> = { '30': 'Last 30 days', '90': 'Last 90 days', '365': 'Last 365 days' };

/** Everything the charts page shows for a period: the numbers, read in parallel, and their figures. */
async function chartsFor(db: Db, workflow: Workflow, clock: BusinessClock, period: ChartPeriod) {
  const flowPeriod = flowPeriodOf(period);
  const [cycle, flow, onTime, machines] = await Promise.all([
    cycleTimes(db, workflow, clock, period),
    cumulativeFlow(db, workflow, clock, flowPeriod),
    onTimeByWeek(db, workflow, clock, period),
    throughputByMachine(db, workflow, period),
  ]);
  return {
    period,
    flowPeriod,
    data: { cycle, flow, onTime, machines },
    figures: {
      cycle: cycleTimeFigure(cycle, period),
      flow: cumulativeFlowFigure(flow, flowPeriod),
      onTime: onTimeFigure(onTime, period),
      machines: machineFigure(machines, period),
    },
  };
}

type Charts = Awaited<ReturnType<typeof chartsFor>>;

/** Charts are reused this long, then worked out again in the background while the old ones are shown. */
const freshMs = 60_000;
/** Older than this (nobody looked for a while), a page waits for new ones. */
const keptMs = 15 * 60_000;

/**
 * The charts of each period as this instance last worked them out. Months of history change
 * little in a minute, and at a million items a period takes a second or more of the database's
 * time: reused, the page costs its rendering, and one look a minute pays the refresh.
 */
export class KeptCharts {
  private kept = new Map<PeriodChoice, { charts: Charts; clock: BusinessClock; revision: number }>();
  private working = new Map<PeriodChoice, Promise<Charts>>();

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {}

  async get(choice: PeriodChoice, workflow: Workflow, clock: BusinessClock, now = new Date()): Promise<Charts> {
    const kept = this.kept.get(choice);
    // A saved calendar makes a new clock, an edited workflow a new revision: then nothing is reused.
    const age = kept && kept.clock === clock && kept.revision === workflow.revision ? now.getTime() - kept.charts.period.until.getTime() : Number.POSITIVE_INFINITY;
    if (age < freshMs) return kept!.charts;
    const next = this.workOut(choice, workflow, clock, now);
    if (age < keptMs) {
      next.catch((error: unknown) => this.log.warn({ err: error }, 'charts: refreshing in the background failed; the older ones stay'));
      return kept!.charts;
    }
    return next;
  }

  /** Settles when the work under way is done (the app waits for it as it closes). */
  async idle(): Promise<void> {
    await Promise.allSettled(this.working.values());
  }

  private workOut(choice: PeriodChoice, workflow: Workflow, clock: BusinessClock, now: Date): Promise<Charts> {
    let work = this.working.get(choice);
    if (!work) {
      work = chartsFor(this.db, workflow, clock, periodEnding(now, Number(choice), clock.calendar.timeZone))
        .then((charts) => {
          this.kept.set(choice, { charts, clock, revision: workflow.revision });
          return charts;
        })
        .finally(() => this.working.delete(choice));
      this.working.set(choice, work);
    }
    return work;
  }
}

export async function chartRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const kept = new KeptCharts(app.db, app.log);
  app.addHook('onClose', () => kept.idle());

  app.get('/monitoring/charts', { config: { access: 'orders:view' }, schema: { querystring: ChartsQuery } }, async (request, reply) => {
    const choice = request.query.period ?? defaultPeriod;
    const [workflow, clock] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get()]);
    const charts = await kept.get(choice, workflow, clock);
    return reply.page('charts/index', {
      title: 'Charts',
      choice,
      choices: periodChoices.map((value) => ({ value, label: choiceLabels[value] })),
      since: DateTime.fromISO(charts.period.dates[0]!, { zone: 'utc' }).toFormat('LLL d, yyyy'),
      takenAt: charts.period.until,
      ...charts,
      noMachine,
      dayLabel,
      formatNumber,
    });
  });
}
