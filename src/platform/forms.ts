/** Reads one trimmed text field from a urlencoded body; absent or repeated fields read as ''. */
export function formText(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Reads a field that may repeat (checkbox groups, multi-selects). */
export function formList(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function formChecked(body: unknown, name: string): boolean {
  return formList(body, name).length > 0;
}

/** The request came from htmx (and wants a fragment, not a page). */
export function isHtmx(request: { headers: Record<string, unknown> }): boolean {
  return request.headers['hx-request'] === 'true';
}

export const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Passwords and PINs: taken exactly as typed, never trimmed. */
export function formSecret(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
