/**
 * Measurements as exact decimals: numeric(14, 4) in the database, compared here as whole
 * ten-thousandths (BigInt), so 0.1 + 0.2 never misjudges a tolerance.
 */
const scale = 4;
const decimalPattern = /^(-)?(\d{1,10})(?:\.(\d{1,4}))?$/;

/**
 * "24.5", "-0.125": ten-thousandths, or undefined when it is not such a number. A comma is not
 * taken as the decimal point: "1,250" reads as a thousand and a quarter to some and 1.25 to others.
 */
export function decimalUnits(text: string): bigint | undefined {
  const match = decimalPattern.exec(text.trim());
  if (!match) return undefined;
  const [, minus, whole, fraction = ''] = match;
  const units = BigInt(whole!) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0'));
  return minus ? -units : units;
}

/** The canonical text of a decimal (what PostgreSQL stores): "24.5", "-0.125", "3". */
export function unitsToDecimal(units: bigint): string {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const whole = magnitude / 10n ** BigInt(scale);
  const fraction = (magnitude % 10n ** BigInt(scale)).toString().padStart(scale, '0').replace(/0+$/, '');
  return `${negative && magnitude !== 0n ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A stored numeric as people read it: "24.5000" is "24.5". */
export function decimalText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const units = decimalUnits(value);
  return units === undefined ? value : unitsToDecimal(units);
}
