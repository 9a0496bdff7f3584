import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { can, type RouteAccess } from './permissions.js';
import { roleForRoute, runActing } from './acting.js';
import { HttpError } from './errors.js';
import { isHtmx } from './forms.js';
import { localPath } from './redirects.js';
import type { PostgresSessionStore } from './session-store.js';

export interface CurrentUser {
  id: number;
  name: string;
  email: string;
  /** The roles this request acts with: the one chosen to act in, or all of them. */
  roles: string[];
  /** Every role the person holds, whichever they act in. */
  allRoles?: string[];
  /** The role they chose to act in (it narrows `roles`), or null for all of them. */
  actingRole?: string | null;
}

/** A person acting in one of their roles: permissions, navigation and the dashboard follow it. */
export function actingAs(user: CurrentUser, chosen: string | undefined): CurrentUser {
  const allRoles = user.allRoles ?? user.roles;
  const actingRole = chosen !== undefined && allRoles.includes(chosen) ? chosen : null;
  return { ...user, allRoles, actingRole, roles: actingRole ? [actingRole] : allRoles };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Set on the first-run page: it must stay reachable while no user exists. */
    allowBeforeSetup?: boolean;
    /** Files served from disk (CSS, htmx): their only input is the file's path. */
    staticAsset?: boolean;
  }
  interface FastifyRequest {
    user: CurrentUser | null;
  }
  interface FastifyInstance {
    /** Every route with the access it declares: the permission matrix test walks this. */
    routeCatalog: RouteEntry[];
  }
}

export interface RouteSchemas {
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
}

export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  schema: RouteSchemas;
  staticAsset: boolean;
}

/** What a route lacks of the input schemas every route must declare (src/platform/schemas.ts). */
export function missingSchemas(route: RouteEntry): string[] {
  if (route.staticAsset) return [];
  const missing: string[] = [];
  if (route.url.includes(':') && route.schema.params === undefined) missing.push('params');
  if (route.schema.querystring === undefined) missing.push('querystring');
  if (route.method !== 'GET' && route.method !== 'HEAD' && route.schema.body === undefined) missing.push('body');
  return missing;
}

export async function findActiveUser(db: Db, userId: number): Promise<CurrentUser | undefined> {
  return db
    .selectFrom('users')
    .select([
      'users.id',
      'users.name',
      'users.email',
      sql<string[]>`array(select role from user_roles where user_id = users.id order by role)`.as('roles'),
    ])
    .where('users.id', '=', userId)
    .where('users.active', '=', true)
    .executeTakeFirst();
}

export async function anyUserExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

declare module 'fastify' {
  interface Session {
    activeHour?: number;
    /** The role the person chose to act in (Account menu); unset: all their roles. */
    actingRole?: string;
  }
}

/**
 * Sessions are not rolled on every request (that would write to the store each time);
 * instead the expiry slides forward at most once an hour while someone keeps working.
 */
function keepSessionAlive(request: FastifyRequest): void {
  const hour = Math.floor(Date.now() / 3_600_000);
  if (request.session.activeHour !== hour) {
    request.session.activeHour = hour;
    request.session.touch();
  }
}

function sendToLogin(request: FastifyRequest, reply: FastifyReply) {
  const here = request.method === 'GET' ? localPath(request.url, '') : '';
  const next = here && here !== '/' && here.length <= 600 ? `?next=${encodeURIComponent(here)}` : '';
  if (isHtmx(request)) return reply.htmxRedirect(`/login${next}`, 401);
  return reply.seeOther(`/login${next}`);
}

/**
 * Every route must say who may use it; a route without `config.access` stops the app at
 * start-up, so nothing can be reachable by accident.
 */
export const authPlugin = fp(async function auth(app: FastifyInstance, options: { db: Db; sessions: PostgresSessionStore }) {
  const { db, sessions } = options;
  let setupDone = false;

  app.decorateRequest('user', null);

  const routes: { method: string | string[]; url: string; config?: { access?: RouteAccess; staticAsset?: boolean }; schema?: RouteSchemas }[] = [];
  app.decorate('routeCatalog', {
    getter: () =>
      routes.flatMap((route) =>
        [route.method].flat().map((method) => ({
          method,
          url: route.url,
          access: route.config?.access,
          schema: route.schema ?? {},
          staticAsset: route.config?.staticAsset === true,
        })),
      ),
  });
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  // Checked when the app is ready, after every scope has had its say about its routes' config.
  app.addHook('onReady', async () => {
    const undeclared = app.routeCatalog.filter((route) => route.access === undefined);
    if (undeclared.length > 0) {
      throw new Error(`Routes without config.access: ${undeclared.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    }
    const unchecked = app.routeCatalog.filter((route) => missingSchemas(route).length > 0);
    if (unchecked.length > 0) {
      throw new Error(`Routes without input schemas: ${unchecked.map((r) => `${r.method} ${r.url} (${missingSchemas(r).join(', ')})`).join('; ')}`);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;

    if (!setupDone && !request.routeOptions.config.allowBeforeSetup) {
      setupDone = await anyUserExists(db);
      if (!setupDone) return reply.seeOther('/setup');
    }

    const userId = request.session.userId;
    if (userId !== undefined) {
      const loaded = sessions.takeUser(request.session.sessionId);
      const user = loaded !== undefined ? (loaded?.id === userId ? loaded : undefined) : await findActiveUser(db, userId);
      if (user) {
        request.user = actingAs(user, request.session.actingRole);
        keepSessionAlive(request);
      } else {
        request.session.userId = undefined;
      }
    }

    if (access === undefined) return; // the not-found handler: nothing to protect
    if (access === 'public' || access === 'kiosk') return;
    if (!request.user) return sendToLogin(request, reply);
    if (access === 'signed-in') return;
    if (!can(request.user.roles, access)) throw new HttpError(403);
  });

  // Everything the handler records is in the role the person acted in (src/platform/acting.ts).
  app.addHook('preHandler', (request, _reply, done) => {
    const user = request.user;
    const role = user ? (user.actingRole ?? roleForRoute(user.roles, request.routeOptions.config.access)) : null;
    runActing(role, done);
  });
});
