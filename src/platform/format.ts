import { isRole, roleLabels } from './permissions.js';

let displayTimezone = 'UTC';

export function setDisplayTimezone(timeZone: string): void {
  displayTimezone = timeZone;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function formatter(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${displayTimezone}|${JSON.stringify(options)}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: displayTimezone, ...options });
    dateTimeFormats.set(key, format);
  }
  return format;
}

/** "Nov 22, 2026, 3:04 PM" in the shop's time zone; '—' for no date. */
export function dateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return formatter({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** A forecast's day and time in the shop's time zone, e.g. "Tue, Dec 1, 3:30 PM". */
export function forecastTime(value: Date): string {
  return formatter({ weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(value);
}

const sheetFormats = new Map<string, Intl.DateTimeFormat>();
/** A date and time as spreadsheets read it, in the shop's time zone: "2026-11-26 14:03". */
export function sheetDateTime(value: Date | null): string {
  if (value === null) return '';
  let format = sheetFormats.get(displayTimezone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { timeZone: displayTimezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    sheetFormats.set(displayTimezone, format);
  }
  return format.format(value);
}

export function isoDateTime(value: Date | string): string {
  return new Date(value).toISOString();
}

/** Today's date in the shop's time zone, as YYYY-MM-DD (what "overdue" is measured against). */
export function today(now = new Date()): string {
  // Asked for many times a page: worked out once a minute (the day turns at most a minute late).
  const minute = Math.floor(now.getTime() / 60_000);
  if (minute === lastToday.minute && lastToday.zone === displayTimezone) return lastToday.value;
  const parts = formatter({ year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  const value = `${part('year')}-${part('month')}-${part('day')}`;
  Object.assign(lastToday, { minute, zone: displayTimezone, value });
  return value;
}
const lastToday = { minute: -1, zone: '', value: '' };

/** "3 h 12 min", "2 d 4 h": how long something has been waiting. */
export function duration(since: Date | string, now = new Date()): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Worked time: "45 min", "3 h 05 min" (hours, not days: a work day is not 24 hours). */
export function minutes(total: number): string {
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')} min`;
}

/** "Due date: Dec 1, 2026 → Dec 3, 2026; Quantity: 2 → 3", from the changes an edit event records. */
export function changeList(changes: unknown): string {
  if (!Array.isArray(changes)) return '';
  return (changes as { field: string; from: string; to: string }[]).map((change) => `${change.field}: ${shorten(change.from)} → ${shorten(change.to)}`).join('; ');
}

function shorten(value: string): string {
  if (value === '') return '(empty)';
  return value.length > 80 ? `${value.slice(0, 79)}…` : value;
}

const eventWords: Record<string, (particulars: Record<string, unknown>) => string> = {
  edited: (p) => `edited the item: ${changeList(p.changes)}`,
  added: () => 'added the item to the order',
  'work-started': () => 'started work',
  'work-paused': (p) => `paused work after ${minutes(Number(p.minutes ?? 0))}`,
  'work-finished': (p) => `finished their work (${minutes(Number(p.minutes ?? 0))})`,
  'work-stopped': (p) => `stopped ${String(p.worker ?? 'someone')}'s clock (${minutes(Number(p.minutes ?? 0))})`,
  'note-added': () => 'added a note',
  'photo-attached': () => 'attached a photo',
  'check-recorded': (p) => `checklist: ${String(p.step ?? 'a step')} ${checkWords(p)}`,
  'check-waived': (p) => `waived the checklist step ${String(p.step ?? '')}`,
};

function checkWords(p: Record<string, unknown>): string {
  const measured = p.measured === undefined || p.measured === null ? '' : ` (${String(p.measured)}${p.unit ? ` ${String(p.unit)}` : ''})`;
  switch (p.outcome) {
    case 'passed':
      return `passed${measured}`;
    case 'failed':
      return `failed${measured}`;
    default:
      return p.photo ? 'done, with a photo' : 'done';
  }
}

/** What a non-status event in an item's history says, in words. */
export function eventText(action: string, particulars: Record<string, unknown> = {}): string {
  return eventWords[action]?.(particulars) ?? action.replace(/-/g, ' ');
}

const moneyFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
export function money(value: string | number): string {
  return moneyFormat.format(Number(value));
}

// A calendar date has no time zone: format it as the UTC midnight it is stored as.
const calendarDate = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
// A queue page shows fifty dates, mostly the same few: each is formatted once.
const formattedDates = new Map<string, string>();
export function date(value: string | null | undefined): string {
  if (!value) return '—';
  let formatted = formattedDates.get(value);
  if (formatted === undefined) {
    if (formattedDates.size >= 2000) formattedDates.clear();
    formatted = calendarDate.format(new Date(`${value}T00:00:00Z`));
    formattedDates.set(value, formatted);
  }
  return formatted;
}

/** For templates: a value a date input can show (anything else is given back as text to correct). */
export { isCalendarDate } from './schemas.js';

/** "1042 · 2/4": an item's number is its own for life; after the slash, the highest number the order has given. */
export function itemLabel(orderNumber: number, position: number, lastItemNumber: number): string {
  return `${orderNumber} · ${position}/${lastItemNumber}`;
}

/**
 * Working time in words, for a shop whose working day is `dayMinutes` long: "2 d 3 h" (days of
 * work, not of 24 hours), the two largest parts that are not zero, so "2 d 30 min" is not
 * rounded to "2 d".
 */
export function workingDuration(ms: number, dayMinutes: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = dayMinutes > 0 && dayMinutes < minutes + 1 ? Math.floor(minutes / dayMinutes) : 0;
  const rest = minutes - days * dayMinutes;
  const parts = [
    [days, 'd'],
    [Math.floor(rest / 60), 'h'],
    [rest % 60, 'min'],
  ].filter(([amount]) => amount !== 0);
  if (parts.length === 0) return '0 min';
  return parts
    .slice(0, 2)
    .map(([amount, unit]) => `${amount} ${unit}`)
    .join(' ');
}

/** Clock time in words: "25 min", "5 h 10 min", "3 days 4 h". */
export function clockDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return hours ? `${days} ${days === 1 ? 'day' : 'days'} ${hours} h` : `${days} ${days === 1 ? 'day' : 'days'}`;
  if (hours > 0) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${minutes} min`;
}

/** "2.4 MB", "830 KB", "512 bytes". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "QA", "Production": a role as people call it. */
export function roleLabel(role: string): string {
  return isRole(role) ? roleLabels[role] : role;
}
