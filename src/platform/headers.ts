import { validateHeaderName, validateHeaderValue } from 'node:http';
import helmet from 'helmet';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import { localPath } from './redirects.js';

function sendable(name: string, value: unknown): boolean {
  try {
    validateHeaderName(name);
    for (const each of [value].flat()) validateHeaderValue(name, each as string);
    return true;
  } catch {
    return false;
  }
}

/**
 * Node refuses to write a header holding characters outside Latin-1 or control characters, and
 * throws while the response is being written: one such header (a path someone typed, echoed into
 * Location) would end the request with no answer at all. Before anything is written, an unsendable
 * Location becomes the safe local path it meant, and any other unsendable header is dropped.
 */
export function dropUnsendableHeaders(reply: FastifyReply, log: FastifyBaseLogger): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || sendable(name, value)) continue;
    if (name === 'location') reply.header('location', localPath(String(value), '/'));
    else reply.removeHeader(name);
    log.error({ header: name }, 'a header could not be sent as it was and was corrected');
  }
}

/**
 * Every answer: headers that can be written, and no copy of it kept by the browser or a proxy
 * unless the route chose a caching policy (static assets and photos do). Pages show people's
 * work and customers' details, so none may come back from a shared computer's cache.
 */
export function registerResponseGuard(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    dropUnsendableHeaders(reply, request.log);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/**
 * The security headers of every answer, strict CSP first. The middleware is built once: the
 * Fastify wrapper built it again on every request (about 3 % of a page's CPU).
 */
export function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        frameSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Shops often run Traveler on their LAN over plain http; only force https when it is the public address.
    strictTransportSecurity: https ? { maxAge: 15552000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}
