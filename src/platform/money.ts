/** "1,250.50" or "$1250.5" → 125050 cents; empty is 0; undefined when it is not an amount of money. */
export function parseMoneyToCents(value: string): number | undefined {
  const cleaned = value.replace(/[$,\s]/g, '');
  if (cleaned === '') return 0;
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return undefined;
  const [whole, fraction = ''] = cleaned.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export function centsToMoney(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** "-1,250.50" → -125050 cents; undefined when it is not an amount of money. */
export function signedCents(value: string): number | undefined {
  const cleaned = value.trim();
  const negative = cleaned.startsWith('-');
  const unsigned = negative ? cleaned.slice(1) : cleaned;
  if (unsigned.trim() === '') return undefined;
  const cents = parseMoneyToCents(unsigned);
  return cents === undefined ? undefined : negative ? -cents : cents;
}

/** An amount PostgreSQL returned ("-1234567890.50") in cents, exactly (up to 90 trillion; numeric(12, 2) holds far less). */
export function amountToCents(value: string | number): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value).trim());
  if (!match) throw new Error(`Not an amount of money: ${String(value)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) throw new Error(`Too large to count in cents exactly: ${String(value)}`);
  return match[1] ? -cents : cents;
}

/** The largest amount a numeric(12, 2) column holds, in cents. */
export const largestAmountCents = 999_999_999_999;
