import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type Actor } from '../events/record.js';
import { BusinessClock, type ShopCalendar } from '../monitoring/business-time.js';
import { ConflictError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formSpec, type FormValues } from '../platform/form-spec.js';
import { isCalendarDate } from '../platform/schemas.js';

const timeOfDay = /^([01]?\d|2[0-3]):([0-5]\d)$|^24:00$/;
const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const weekdayOptions = weekdayNames.map((label, index) => ({ value: String(index + 1), label }));

/** Working days, hours and holidays (Admin → Settings). */
export const calendarForm = formSpec({
  workDays: { kind: 'choices', label: 'Working days', required: 'Choose at least one working day.', invalid: 'Choose days from the list.', most: 7 },
  opensAt: { kind: 'text', label: 'Work starts at', max: 5, required: 'Enter a time like 08:00.', valid: (value) => timeOfDay.test(value), invalid: 'Enter a time like 08:00.', tooLong: 'Enter a time like 08:00.' },
  closesAt: { kind: 'text', label: 'Work ends at', max: 5, required: 'Enter a time like 17:00.', valid: (value) => timeOfDay.test(value), invalid: 'Enter a time like 17:00.', tooLong: 'Enter a time like 17:00.' },
  holidays: {
    kind: 'textarea',
    label: 'Holidays',
    max: 20_000,
    hint: 'One a line: the date, then its name, e.g. “2026-12-25 Christmas Day”. The shop’s clock stops on these days.',
  },
});
export type CalendarValues = FormValues<typeof calendarForm.fields>;

export interface Holiday {
  day: string;
  name: string;
}

function minuteOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

function timeOf(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** The holidays typed one a line; the first line that is not one is reported. */
export function readHolidays(text: string): { holidays: Holiday[]; problem?: string } {
  const holidays = new Map<string, Holiday & { line: number }>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const match = /^(\d{4}-\d{2}-\d{2})\s*(.*)$/.exec(line);
    if (!match || !isCalendarDate(match[1]!)) return { holidays: [], problem: `Line ${index + 1}: start with a date like 2026-12-25, then the holiday’s name.` };
    const name = match[2]!.replace(/^[-–:·,\s]+/, '').trim() || 'Holiday';
    if (name.length > 100) return { holidays: [], problem: `Line ${index + 1}: keep the name to 100 characters.` };
    const earlier = holidays.get(match[1]!);
    if (earlier) return { holidays: [], problem: `Line ${index + 1}: ${match[1]} is already on line ${earlier.line} (${earlier.name}).` };
    holidays.set(match[1]!, { day: match[1]!, name, line: index + 1 });
  }
  return { holidays: [...holidays.values()].map(({ day, name }) => ({ day, name })).sort((a, b) => a.day.localeCompare(b.day)) };
}

export interface StoredCalendar {
  workDays: number[];
  dayStartMinute: number;
  dayEndMinute: number;
  holidays: Holiday[];
  version: number;
}

export async function getStoredCalendar(db: DbOrTx): Promise<StoredCalendar> {
  const settings = await db.selectFrom('shop_settings').select(['work_days', 'work_day_starts_minute', 'work_day_ends_minute', 'version']).executeTakeFirstOrThrow();
  const holidays = await db.selectFrom('shop_holidays').select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'), 'name']).orderBy('day').execute();
  return { workDays: [...settings.work_days].sort(), dayStartMinute: settings.work_day_starts_minute, dayEndMinute: settings.work_day_ends_minute, holidays, version: settings.version };
}

/** The calendar as the form shows it. */
export function calendarValues(stored: StoredCalendar): CalendarValues & { version: number } {
  return {
    workDays: stored.workDays.map(String),
    opensAt: timeOf(stored.dayStartMinute),
    closesAt: timeOf(stored.dayEndMinute),
    holidays: stored.holidays.map((holiday) => `${holiday.day} ${holiday.name}`).join('\n'),
    version: stored.version,
  };
}

export function shopCalendarOf(stored: StoredCalendar, timeZone: string): ShopCalendar {
  return { timeZone, workDays: stored.workDays, dayStartMinute: stored.dayStartMinute, dayEndMinute: stored.dayEndMinute, holidays: new Set(stored.holidays.map((holiday) => holiday.day)) };
}

function validateCalendar(values: CalendarValues): { errors: FieldErrors; holidays: Holiday[] } {
  const errors = calendarForm.validate(values, { options: { workDays: weekdayOptions } });
  if (!errors.opensAt && !errors.closesAt && minuteOf(values.closesAt) <= minuteOf(values.opensAt)) errors.closesAt = 'Work must end after it starts.';
  const { holidays, problem } = readHolidays(values.holidays);
  if (problem && !errors.holidays) errors.holidays = problem;
  return { errors, holidays };
}

/** Saves working days, hours and holidays; the shop settings' version guards against a concurrent save. */
export async function updateShopCalendar(db: Db, actor: Actor, values: CalendarValues & { version: number }): Promise<StoredCalendar> {
  const { errors, holidays } = validateCalendar(values);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    const updated = await tx
      .updateTable('shop_settings')
      .set({
        work_days: values.workDays.map(Number).sort(),
        work_day_starts_minute: minuteOf(values.opensAt),
        work_day_ends_minute: minuteOf(values.closesAt),
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('version', '=', values.version)
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw new ConflictError('Someone else saved the settings while you were editing. Their version is shown below; press Save again to replace it with yours.');
    await tx.deleteFrom('shop_holidays').execute();
    if (holidays.length > 0) await tx.insertInto('shop_holidays').values(holidays).execute();
    const saved = await getStoredCalendar(tx);
    await recordEvent(tx, actor, {
      subjectType: 'shop_settings',
      subjectId: 1,
      action: 'calendar-updated',
      particulars: { workDays: saved.workDays, opensAt: values.opensAt, closesAt: values.closesAt, holidays: holidays.length },
    });
    return saved;
  });
}

/**
 * The shop's business clock, rebuilt when the settings' version moves: every app instance
 * sees a saved calendar within `checkEveryMs`.
 */
export class ShopClockCache {
  private clock: BusinessClock | undefined;
  private version = -1;
  private checkedAt = 0;
  private pending: Promise<BusinessClock> | undefined;

  constructor(
    private readonly db: Db,
    private readonly timeZone: string,
    private readonly checkEveryMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<BusinessClock> {
    if (this.clock && this.now() - this.checkedAt < this.checkEveryMs) return Promise.resolve(this.clock);
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  forget(): void {
    this.checkedAt = 0;
    this.version = -1;
  }

  private async load(): Promise<BusinessClock> {
    const { version } = await this.db.selectFrom('shop_settings').select('version').executeTakeFirstOrThrow();
    if (!this.clock || version !== this.version) {
      const stored = await getStoredCalendar(this.db);
      this.clock = new BusinessClock(shopCalendarOf(stored, this.timeZone));
      this.version = stored.version;
    }
    this.checkedAt = this.now();
    return this.clock;
  }
}
