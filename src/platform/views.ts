import { randomBytes } from 'node:crypto';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { viewsDir } from '../paths.js';
import * as fmt from './format.js';
import { can, type Permission } from './permissions.js';

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const needsEscaping = /[&<>"'\u0080-\uffff]/;
const escapable = /[&<>"']|[^\x00-\x7f]/gu;
const nonAscii = /[^\x00-\x7f]/gu;
const characterReference = (character: string) => `&#${character.codePointAt(0)};`;

/**
 * Escapes for HTML text and attributes, writing every non-ASCII character as a character
 * reference. Pages stay pure ASCII, and V8 keeps an ASCII string one byte per character: a
 * single "—" makes an 80 KB queue page a two-byte string, which costs about 0.4 ms more CPU
 * to measure and encode for sending (scripts/bench.ts).
 */
export function escapeHtml(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = String(value);
  return needsEscaping.test(text) ? text.replace(escapable, (character) => htmlEscapes[character] ?? characterReference(character)) : text;
}

/** The same for the templates' own text ("…", "—", "→"), once, when a template is compiled. */
const asciiTemplateText = {
  processAST: <Part extends string | object>(parts: Part[]): Part[] => parts.map((part) => (typeof part === 'string' ? (part.replace(nonAscii, characterReference) as Part) : part)),
};

// Compiled templates are always cached: compiling the layout and the rows' template per page
// cost more than everything else on a queue page. `npm run dev` restarts when a view changes.
export const eta = new Eta({
  views: viewsDir,
  cache: true,
  autoEscape: true,
  escapeFunction: escapeHtml,
  plugins: [asciiTemplateText],
  autoTrim: [false, 'nl'],
});

export function renderView(name: string, data: object): string {
  return eta.render(name, { fmt, ...data });
}

/** Stands in for the viewer's CSRF token in HTML kept for many viewers: random, so no content can contain it. */
const csrfTokenSlot = `csrf-slot-${randomBytes(18).toString('base64url')}`;

/**
 * A view rendered once for every viewer who sees the same thing: only their CSRF token differs,
 * and it is put in when the HTML is handed to one of them.
 */
export function renderForAnyViewer(name: string, data: object): (csrfToken: string) => string {
  const parts = renderView(name, { ...data, csrfToken: csrfTokenSlot }).split(csrfTokenSlot);
  return (csrfToken) => parts.join(csrfToken);
}

/** A rendered page as the bytes to send: encoded once here, where Fastify would measure a string and then encode it. */
export function renderHtml(name: string, data: object): Buffer {
  return Buffer.from(renderView(name, data));
}

export interface NavLink {
  href: string;
  label: string;
  permission: Permission;
  /** Shown under the Admin menu rather than in the bar. */
  admin?: true;
  /** The page gathers every customer's work: not shown to a person kept to their own (src/visibility). */
  everyCustomer?: true;
}

const navigation: NavLink[] = [];

/** The links modules add to the bar and the Admin menu, in the order given (src/modules.ts). */
export function setNavigation(links: readonly NavLink[]): void {
  navigation.splice(0, navigation.length, ...links);
}

export function navigationFor(roles: readonly string[], keptToOwnCustomers = false): Omit<NavLink, 'permission'>[] {
  return navigation
    .filter((link) => can(roles, link.permission) && !(keptToOwnCustomers && link.everyCustomer))
    .map(({ href, label, admin }) => ({ href, label, ...(admin ? { admin } : {}) }));
}

export interface PageData {
  title: string;
  [key: string]: unknown;
}

/** Everything the layout needs, computed per request. */
export function layoutData(request: FastifyRequest, reply: FastifyReply) {
  const user = request.user;
  const flash = request.session?.flash;
  if (flash !== undefined) request.session.flash = undefined;
  return {
    user,
    nav: user ? navigationFor(user.roles, Boolean((request as { scope?: unknown }).scope)) : [],
    currentPath: request.url.split('?')[0],
    csrfToken: reply.generateCsrf(),
    seesMoney: user ? can(user.roles, 'money:view') : false,
    flash,
    shopName: request.server.shopName(),
    queueNav: [],
  };
}

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a view inside the layout. */
    page(view: string, data: PageData, statusCode?: number): Promise<FastifyReply>;
    /** Renders a view alone: the regions htmx swaps. */
    fragment(view: string, data: object, statusCode?: number): FastifyReply;
  }
  interface FastifyInstance {
    /** Per-request data the layout shows beyond the basics (e.g. queue counts). */
    layoutExtras(request: FastifyRequest, known: Record<string, unknown>): Promise<Record<string, unknown>>;
  }
}

export async function pageReply(this: FastifyReply, view: string, data: PageData, statusCode = 200): Promise<FastifyReply> {
  const extras = await this.server.layoutExtras(this.request, data);
  const html = renderHtml(view, { ...layoutData(this.request, this), ...extras, ...data });
  return this.code(statusCode).type('text/html; charset=utf-8').send(html);
}

export function fragmentReply(this: FastifyReply, view: string, data: object, statusCode = 200): FastifyReply {
  const user = this.request.user;
  const html = renderHtml(view, { csrfToken: this.generateCsrf(), user, seesMoney: user ? can(user.roles, 'money:view') : false, ...data });
  return this.code(statusCode).type('text/html; charset=utf-8').send(html);
}
