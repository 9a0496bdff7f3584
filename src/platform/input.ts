import qs from 'node:querystring';

type Parsed = Record<string, string | string[]>;

const nul = /\u0000/g;
const crlf = /\r\n/g;

/**
 * Query strings and urlencoded forms, parsed with NUL characters removed (PostgreSQL cannot store
 * one in text, and no person types one) and line breaks as one "\n" (browsers send a textarea's
 * as "\r\n", which would count twice against the length the box itself allows). The object has
 * no prototype, so a field called "__proto__" is just a field.
 */
function tidy(text: string): string {
  return text.replace(nul, '').replace(crlf, '\n');
}

export function parseUrlencoded(text: string): Parsed {
  const parsed = qs.parse(text);
  const clean: Parsed = Object.create(null) as Parsed;
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    clean[name.replace(nul, '')] = Array.isArray(value) ? value.map(tidy) : tidy(value);
  }
  return clean;
}
