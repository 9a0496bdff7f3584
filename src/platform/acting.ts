import { AsyncLocalStorage } from 'node:async_hooks';
import { can, isRole, roles as allRoleNames, type RouteAccess } from './permissions.js';

/**
 * The role a request acts in, for every event it writes (src/events/record.ts) without each
 * call site passing it: set around the route's handler, read where the event row is made.
 */
const acting = new AsyncLocalStorage<{ role: string | null }>();

export function runActing<T>(role: string | null, work: () => T): T {
  return acting.run({ role }, work);
}

export function actingRole(): string | null {
  return acting.getStore()?.role ?? null;
}

/** The role that gave a person what they did: the role they act in, else the most specific that grants it (admin last). */
export function roleUsed(roles: readonly string[], grants: (role: string) => boolean): string | null {
  const ordered = [...roles].filter(isRole).sort((a, b) => Number(a === 'admin') - Number(b === 'admin') || allRoleNames.indexOf(a) - allRoleNames.indexOf(b));
  return ordered.find(grants) ?? (roles.length === 1 ? roles[0]! : null);
}

/** The role a request to a route acts in. */
export function roleForRoute(roles: readonly string[], access: RouteAccess | undefined): string | null {
  if (access === undefined || access === 'public' || access === 'kiosk' || access === 'signed-in') return roles.length === 1 ? roles[0]! : null;
  return roleUsed(roles, (role) => can([role], access));
}
