import { DateTime } from 'luxon';
import * as fmt from '../platform/format.js';
import type { Workflow } from '../workflow/definition.js';
import type { BusinessClock } from '../monitoring/business-time.js';
import { alertKindLabels, type ShopAlertRow } from './center.js';

/** An alert as a person reads it: what it is about, what is wrong, where to go to put it right. */
export interface PresentedAlert extends ShopAlertRow {
  kindLabel: string;
  subject: string;
  problem: string;
  /** What a person usually does about it. */
  advice: string;
  link: string | null;
  /** How long the condition has lasted, in words. */
  age: string;
}

function statusLabel(workflow: Workflow, key: string | null): string {
  return (key && workflow.statuses.get(key)?.label) || key || 'a status that no longer exists';
}

function itemSubject(row: ShopAlertRow): string {
  if (row.orderNumber === null || row.position === null || row.lastItemNumber === null) return 'An item';
  return `${fmt.itemLabel(row.orderNumber, row.position, row.lastItemNumber)} ${row.description ?? ''}`.trim();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function presentAlert(row: ShopAlertRow, workflow: Workflow, clock: BusinessClock, now: Date): PresentedAlert {
  const itemLink = row.lineItemId === null ? null : `/items/${row.lineItemId}`;
  const age = fmt.clockDuration(now.getTime() - row.since.getTime());
  const base = { ...row, kindLabel: alertKindLabels[row.kind], age };
  switch (row.kind) {
    case 'late': {
      const working = fmt.workingDuration(clock.between(row.since, now), clock.calendar.dayEndMinute - clock.calendar.dayStartMinute);
      return { ...base, subject: itemSubject(row), link: itemLink, problem: `Late in ${statusLabel(workflow, row.status)}: ${working} of working time there so far.`, advice: 'Move it on, or say what holds it up.' };
    }
    case 'forecast_late': {
      const likely = text(row.detail.likely);
      const due = text(row.detail.dueDate) || row.dueDate;
      const likelyText = likely ? fmt.forecastTime(new Date(likely)) : 'later';
      return {
        ...base,
        subject: itemSubject(row),
        link: itemLink,
        problem: `Due ${due ? fmt.date(due) : 'soon'}, but at the shop’s pace it is likely done ${likelyText} (now in ${statusLabel(workflow, row.status)}).`,
        advice: 'Speed it up, or tell the customer the new date.',
      };
    }
    case 'waiting_on_customer':
      return {
        ...base,
        subject: `${itemSubject(row)}${row.customerName ? ` for ${row.customerName}` : ''}`,
        link: itemLink,
        problem: `Waiting on the customer in ${statusLabel(workflow, row.status)} for ${age}.`,
        advice: 'Call or email the customer.',
      };
    case 'quality_hold':
      return { ...base, subject: itemSubject(row), link: itemLink, problem: `Held for a quality problem in ${statusLabel(workflow, row.status)}.`, advice: 'Inspect it, then rework, remake or release it.' };
    case 'mail_failed':
      return {
        ...base,
        subject: `Email to ${text(row.detail.to)}`,
        link: typeof row.detail.outboxId === 'number' ? `/admin/mailbox/${row.detail.outboxId}` : '/admin/mailbox',
        problem: `“${text(row.detail.subject) || text(row.detail.template)}” could not be sent: ${text(row.detail.error) || 'the mail server refused it'}.`,
        advice: 'Check the address and the mail settings, then send it again from the mailbox.',
      };
    case 'job_failed':
      return {
        ...base,
        subject: `Scheduled job “${text(row.detail.job)}”`,
        link: null,
        problem: `Failing since ${fmt.dateTime(row.since)}: ${text(row.detail.error) || 'no error message'}.`,
        advice: 'Look at the server log; the job retries on its own schedule and this clears when it succeeds.',
      };
  }
}

export type SnoozeChoice = '1h' | '4h' | 'next-day' | '3d' | '7d';
export const snoozeChoices: { value: SnoozeChoice; label: string }[] = [
  { value: '1h', label: 'for an hour' },
  { value: '4h', label: 'for 4 hours' },
  { value: 'next-day', label: 'until the next working morning' },
  { value: '3d', label: 'for 3 days' },
  { value: '7d', label: 'for a week' },
];

/** When a snooze ends; the next working morning is by the shop's calendar and time zone. */
export function snoozeUntil(choice: string, clock: BusinessClock, now: Date): Date | null {
  const hour = 3_600_000;
  switch (choice) {
    case '1h':
      return new Date(now.getTime() + hour);
    case '4h':
      return new Date(now.getTime() + 4 * hour);
    case '3d':
      return new Date(now.getTime() + 72 * hour);
    case '7d':
      return new Date(now.getTime() + 168 * hour);
    case 'next-day': {
      const { timeZone, dayStartMinute, workDays } = clock.calendar;
      let day = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').plus({ days: 1 });
      for (let tries = 0; tries < 14 && workDays.length > 0 && !workDays.includes(day.weekday); tries += 1) day = day.plus({ days: 1 });
      return day.plus({ minutes: dayStartMinute }).toJSDate();
    }
    default:
      return null;
  }
}
