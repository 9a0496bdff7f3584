import type { FastifyReply } from 'fastify';

const ownOrigin = 'http://traveler.invalid';
export const maxPathLength = 2048;

/**
 * A path inside Traveler made from anything a person or a link could send (`returnTo`, `next`,
 * a saved view's query), or `fallback` when it is not one. It is parsed against our own origin
 * the way a browser would, so "/\t/evil.example", "/\\evil.example" or "//evil.example" are
 * recognised as other sites, and what comes back is the parser's serialisation: percent-encoded,
 * pure ASCII, safe in a Location header and in an href.
 */
export function localPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > maxPathLength) return fallback;
  let url: URL;
  try {
    url = new URL(value, ownOrigin);
  } catch {
    return fallback;
  }
  if (url.origin !== ownOrigin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.length <= maxPathLength ? path : fallback;
}

declare module 'fastify' {
  interface FastifyReply {
    /** 303 to a path inside Traveler (anything else goes to the start page). */
    seeOther(path: string): FastifyReply;
    /** Tells htmx to load a whole page: for a fragment request whose answer is somewhere else. */
    htmxRedirect(path: string, statusCode?: number): FastifyReply;
  }
}

export function seeOther(this: FastifyReply, path: string): FastifyReply {
  return this.redirect(localPath(path, '/'), 303);
}

export function htmxRedirect(this: FastifyReply, path: string, statusCode = 204): FastifyReply {
  return this.code(statusCode).header('HX-Redirect', localPath(path, '/')).send();
}
