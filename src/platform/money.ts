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
