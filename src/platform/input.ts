import qs from 'node:querystring';

type Parsed = Record<string, string | string[]>;

const nul = /\u0000/g;

/**
 * Query strings and urlencoded forms, parsed with NUL characters removed: PostgreSQL cannot store
 * one in text, and no person types one. The object has no prototype, so a field called
 * "__proto__" is just a field.
 */
export function parseUrlencoded(text: string): Parsed {
  const parsed = qs.parse(text);
  const clean: Parsed = Object.create(null) as Parsed;
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    clean[name.replace(nul, '')] = Array.isArray(value) ? value.map((each) => each.replace(nul, '')) : value.replace(nul, '');
  }
  return clean;
}
