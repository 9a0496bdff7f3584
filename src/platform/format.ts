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

export function isoDateTime(value: Date | string): string {
  return new Date(value).toISOString();
}
