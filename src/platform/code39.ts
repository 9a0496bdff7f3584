// Code 39: each character is five bars and four spaces, three of the nine wide (1 = wide).
// Every handheld scanner reads it out of the box, and it needs no check digit.
const code39: Record<string, string> = {
  '0': '000110100', '1': '100100001', '2': '001100001', '3': '101100000', '4': '000110001',
  '5': '100110000', '6': '001110000', '7': '000100101', '8': '100100100', '9': '001100100',
  '-': '010000101', '*': '010010100',
};

const narrow = 2;
const wide = 5;
const quietZone = 20;

export interface Bar {
  x: number;
  width: number;
}

/** The bars of a Code 39 barcode of digits and dashes (e.g. a job code `1042-2`), and its whole width with quiet zones. */
export function code39Bars(text: string): { bars: Bar[]; width: number } {
  if (!/^[0-9-]+$/.test(text)) throw new Error(`Code 39 here encodes digits and dashes only, not “${text}”`);
  const bars: Bar[] = [];
  let x = quietZone;
  for (const char of `*${text}*`) {
    const pattern = code39[char]!;
    for (let i = 0; i < 9; i++) {
      const width = pattern[i] === '1' ? wide : narrow;
      if (i % 2 === 0) bars.push({ x, width });
      x += width;
    }
    x += narrow; // the gap between characters
  }
  return { bars, width: x - narrow + quietZone };
}

/** A Code 39 barcode as an SVG element. */
export function code39Svg(text: string, height = 60): string {
  const { bars, width: total } = code39Bars(text);
  const rects = bars.map((bar) => `<rect x="${bar.x}" y="0" width="${bar.width}" height="${height}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${height}" width="${total}" height="${height}" role="img" aria-label="Barcode ${text}"><rect width="${total}" height="${height}" fill="#fff"/><g fill="#000">${rects.join('')}</g></svg>`;
}
