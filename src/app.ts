import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ReadyConfig } from './config.js';
import type { Db } from './db/database.js';
import { createTransport, MailDelivery } from './mail/sender.js';
import { nodeModulesDir, publicDir } from './paths.js';
import { authPlugin } from './platform/auth.js';
import { QueuePageCache } from './workflow/queue-page-cache.js';
import { ChangeNumbers } from './workflow/queue-changes.js';
import { registerCompression } from './platform/compression.js';
import { frameworkErrorPage, registerErrorPages } from './platform/errors.js';
import { registerResponseGuard, registerSecurityHeaders } from './platform/headers.js';
import { parseUrlencoded } from './platform/input.js';
import { htmxRedirect, seeOther } from './platform/redirects.js';
import { addTravelerFormats } from './platform/schemas.js';
import { setDisplayTimezone } from './platform/format.js';
import { ReportExportRunner } from './reports/exports.js';
import { reportFile } from './reports/make.js';
import { PostgresSessionStore } from './platform/session-store.js';
import { fragmentReply, pageReply } from './platform/views.js';
import { can } from './platform/permissions.js';
import { loadNavigation } from './workflow/navigation.js';
import { lineItemQueues } from './line-items/subject.js';
import { filterChoiceLists, type FilterChoiceLists } from './production/filter-choices.js';
import { WorkflowCache } from './workflow/definition.js';
import { ShopClockCache } from './settings/calendar.js';
import { DurationStatsCache } from './monitoring/durations.js';
import { lineItemWorkflow } from './line-items/subject.js';
import { installModules, modules } from './modules.js';
import { ShopNameCache } from './settings/settings.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: ReadyConfig;
    mail: MailDelivery;
    shopName(): string;
    /** Every workflow as this instance last read it; edits apply within `workflowCheckMs`. */
    workflows: WorkflowCache;
    /** The shop's business clock (working days, hours, holidays); a saved calendar applies within `workflowCheckMs`. */
    shopClock: ShopClockCache;
    /** Recent working time per status, for forecasts; rewritten every ten minutes by the monitoring job. */
    durations: DurationStatsCache;
    /** People or passwords changed: sessions are read afresh from the database. */
    forgetSessions(): void;
    /** Machines, materials and people for the queue filters; invalidate() after changing them. */
    filterChoices: FilterChoiceLists;
    queuePages: QueuePageCache;
    /** Each queue's change number, read at most once per `changeNumbersFreshMs`: what an unchanged refresh costs. */
    changeNumbers: ChangeNumbers;
    refreshShopName(): Promise<void>;
    /** Makes the reports too big to wait for, in the background. */
    reportExports: ReportExportRunner;
  }
}

export interface BuildOptions {
  config: ReadyConfig;
  db: Db;
  /** Where JSON log lines go (stdout by default); tests pass their own to read them. */
  logStream?: { write(line: string): void };
  /** How long a session read stays trusted without asking the database (default 5 s). */
  sessionCacheMs?: number;
  /** How many queue pages to keep for reuse while their queue is unchanged (default 300; 0 keeps none). */
  queuePagesKept?: number;
  /** How often a workflow held by this instance is compared with the database's (default 2 s). */
  workflowCheckMs?: number;
  /** How long a queue page is reused while its queue is unchanged (default 15 s; a running clock still ages it). */
  queuePagesFreshMs?: number;
  /** How long a queue's change number read from the database is trusted (default 1 s). */
  changeNumbersFreshMs?: number;
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Tokens in email links must not end up in logs. A route with a token parameter is logged as its
 * pattern ("/status/[token]"), whatever follows the token; a URL no route matched may hold one
 * anywhere, so every long token-like run in it is hidden.
 */
export function loggedUrl(request: { url: string; routeOptions?: { url?: string } }): string {
  const pattern = request.routeOptions?.url;
  if (pattern?.includes(':token')) return pattern.replace(':token', '[token]');
  if (pattern) return request.url;
  return request.url.replace(/[A-Za-z0-9_%-]{20,}/g, '[hidden]');
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

export async function buildApp({ config, db, logStream, sessionCacheMs, queuePagesKept, workflowCheckMs, queuePagesFreshMs, changeNumbersFreshMs }: BuildOptions): Promise<FastifyInstance> {
  setDisplayTimezone(config.shopTimezone);
  installModules();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(logStream ? { stream: logStream } : {}),
      serializers: {
        req: (req) => ({ method: req.method, url: loggedUrl(req as Parameters<typeof loggedUrl>[0]), remoteAddress: req.ip, reqId: req.id }),
      },
    },
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    routerOptions: { ignoreTrailingSlash: true, querystringParser: parseUrlencoded },
    ajv: { plugins: [addTravelerFormats] },
    frameworkErrors: frameworkErrorPage,
  });

  app.decorate('db', db);
  app.decorate('config', config);
  const shopName = new ShopNameCache(db);
  app.decorate('shopName', () => shopName.current());
  app.decorate('refreshShopName', () => shopName.refresh());
  const mail = new MailDelivery(
    db,
    { transport: config.smtpUrl ? createTransport(config.smtpUrl) : null, from: config.mailFrom, baseUrl: config.baseUrl },
    (error) => app.log.error({ err: error }, 'mail delivery failed'),
  );
  app.decorate('mail', mail);
  app.decorate('workflows', new WorkflowCache(db, workflowCheckMs));
  app.decorate('shopClock', new ShopClockCache(db, config.shopTimezone, workflowCheckMs));
  app.decorate('durations', new DurationStatsCache(db, lineItemWorkflow));
  app.decorate('filterChoices', filterChoiceLists(db));
  app.decorate('queuePages', new QueuePageCache(queuePagesKept, queuePagesFreshMs));
  app.decorate('changeNumbers', new ChangeNumbers(db, changeNumbersFreshMs));
  const reportExports = new ReportExportRunner(
    db,
    async (claimed, onRows) => {
      const [workflow, clock] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get()]);
      return reportFile({ db, workflow, clock, now: new Date() }, claimed.report, claimed.format, claimed.scope, onRows);
    },
    (error) => app.log.error({ err: error }, 'report export failed'),
  );
  app.decorate('reportExports', reportExports);
  app.decorate('layoutExtras', async (request: FastifyRequest, known: Record<string, unknown>) => {
    const user = request.user;
    if (!user) return { queueNav: [], unreadAlerts: 0 };
    if (known.queueNav !== undefined && known.unreadAlerts !== undefined) return {};
    const { queueNav, unreadAlerts } = await loadNavigation(db, lineItemQueues, user, can(user.roles, 'queues:view'));
    return { queueNav, unreadAlerts };
  });
  app.decorateReply('page', pageReply);
  app.decorateReply('fragment', fragmentReply);
  app.decorateReply('seeOther', seeOther);
  app.decorateReply('htmxRedirect', htmxRedirect);
  app.addHook('onClose', async () => {
    await reportExports.close();
    await mail.idle();
    mail.close();
  });
  // Requests still running when shutdown starts close their connection when they answer;
  // otherwise a keep-alive client would hold the server open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  registerResponseGuard(app);

  registerSecurityHeaders(app, config.baseUrl.startsWith('https:'));
  // Forms and (for kiosk photos) multipart only: there is no JSON API to parse bodies for.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  await app.register(fastifyFormbody, { parser: parseUrlencoded });
  await app.register(fastifyCookie);
  const sessions = new PostgresSessionStore(db, sessionCacheMs);
  const publicAddressIsHttps = config.baseUrl.startsWith('https:');
  if (publicAddressIsHttps) {
    // People reach Traveler at its https address; a plain-http hop behind the TLS proxy is not
    // theirs. The session plugin only sends a Secure cookie on what it takes for https.
    app.addHook('onRequest', async (request) => {
      Object.defineProperty(request, 'protocol', { value: 'https' });
    });
  }
  app.decorate('forgetSessions', () => sessions.forgetAll());
  await app.register(fastifySession, {
    secret: config.sessionSecret,
    cookieName: 'traveler.sid',
    store: sessions,
    saveUninitialized: false,
    rolling: false,
    cookie: { secure: publicAddressIsHttps ? true : 'auto', httpOnly: true, sameSite: 'lax', path: '/', maxAge: 12 * 3600_000 },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });
  // After the session's own onSend (which saves it): a failed save then meets an answer that is not yet compressed.
  registerCompression(app);
  await app.register(fastifyRateLimit, { global: false, hook: 'preHandler' });
  await app.register(authPlugin, { db, sessions });

  app.addHook('preHandler', (request, reply, done) => {
    // Kiosk tablets prove their requests with a token tied to their own credential (src/kiosk).
    const access = request.routeOptions.config.access;
    if (unsafeMethods.has(request.method) && access !== undefined && access !== 'kiosk') {
      app.csrfProtection(request, reply, done);
    } else {
      done();
    }
  });

  await app.register(async function assets(scope) {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public', allowBeforeSetup: true, staticAsset: true };
    });
    await scope.register(fastifyStatic, { root: publicDir, prefix: '/assets/', maxAge: '1h' });
    await scope.register(fastifyStatic, {
      root: join(nodeModulesDir, 'htmx.org', 'dist'),
      prefix: '/vendor/htmx/',
      decorateReply: false,
      maxAge: '1d',
      allowedPath: (path) => path === '/htmx.min.js',
    });
    await scope.register(fastifyStatic, {
      root: join(nodeModulesDir, '@picocss', 'pico', 'css'),
      prefix: '/vendor/pico/',
      decorateReply: false,
      maxAge: '1d',
      allowedPath: (path) => path === '/pico.min.css',
    });
  });

  registerErrorPages(app);
  for (const module of modules) for (const routes of module.routes ?? []) await app.register(routes);
  return app;
}
