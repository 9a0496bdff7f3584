/** Lower-cased text as a LIKE pattern that matches it literally (its %, _ and \ escaped). */
export function likeLiteral(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}
