import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isHtmx } from './forms.js';
import { dropUnsendableHeaders } from './headers.js';
import { layoutData, renderHtml } from './views.js';

export type FieldErrors = Record<string, string>;

/** An HTTP error whose message is safe to show to the user. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message?: string,
  ) {
    super(message ?? defaultMessages[statusCode] ?? 'Something went wrong.');
  }
}

/** Bad input: the form is shown again with these messages beside its fields. */
export class ValidationError extends Error {
  constructor(readonly fieldErrors: FieldErrors) {
    super(Object.values(fieldErrors).join(' '));
  }
}

/** Someone else changed the record first; nothing was written. */
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

const defaultMessages: Record<number, string> = {
  400: 'The request could not be understood. Go back and try again.',
  403: 'You do not have access to this page. Ask an administrator if you think you should.',
  404: 'We could not find that page. It may have been moved or removed.',
  409: 'Someone else changed this first. Reload to see the current version.',
  413: 'That upload is too large.',
  414: 'That address is too long. Go back and try again.',
  415: 'That kind of request is not accepted here.',
  429: 'Too many attempts. Wait a few minutes and try again.',
  500: 'Something went wrong on our side. It has been logged; please try again.',
  503: 'The database cannot be reached right now. Nothing was lost; try again in a moment.',
};

const titles: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Changed by someone else',
  413: 'Too large',
  414: 'Address too long',
  415: 'Not accepted',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Try again in a moment',
};

/** Errors that mean the database went away (restart, failover, a dropped connection), not a bug. */
const unavailableCodes = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
function isDatabaseUnavailable(error: { code?: unknown; message?: unknown }): boolean {
  if (typeof error.code === 'string' && (unavailableCodes.has(error.code) || error.code.startsWith('08'))) return true;
  return typeof error.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections/i.test(error.message);
}

interface SchemaProblem {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** "“note” is too long (at most 20000 characters)": what an Ajv complaint means to a person. */
function schemaMessage(problems: SchemaProblem[]): string {
  const problem = problems[0] ?? {};
  const path = (problem.instancePath ?? '').replace(/^\//, '').split('/')[0];
  const field = path || (typeof problem.params?.missingProperty === 'string' ? problem.params.missingProperty : '');
  const named = field ? `“${field}”` : 'The form';
  switch (problem.keyword) {
    case 'maxLength':
      return `${named} is too long (at most ${String(problem.params?.limit)} characters).`;
    case 'maxItems':
      return `${named} has too many entries (at most ${String(problem.params?.limit)}).`;
    case 'format':
      if (problem.params?.format === 'version') return 'This form is out of date or damaged. Reload the page and try again.';
      if (String(problem.params?.format).startsWith('calendar-date')) return `${named} is not a real date. Use a date like 2026-12-31.`;
      return `${named} is not one of the choices offered.`;
    default:
      return `${named} was not sent the way the form sends it. Reload the page and try again.`;
  }
}

interface ClassifiedError {
  statusCode: number;
  message: string;
}

function classify(error: FastifyError | HttpError | ValidationError): ClassifiedError {
  if (error instanceof ValidationError) return { statusCode: 422, message: error.message };
  if (error instanceof HttpError) return { statusCode: error.statusCode, message: error.message };
  if (error.validation) {
    // A malformed id or token in the path names nothing that exists.
    if (error.validationContext === 'params') return { statusCode: 404, message: defaultMessages[404]! };
    return { statusCode: 400, message: schemaMessage(error.validation as SchemaProblem[]) };
  }
  if (error.code?.startsWith('FST_CSRF')) {
    return { statusCode: 403, message: 'This form has expired or was sent from somewhere else. Go back, reload the page and try again.' };
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return { statusCode: 414, message: defaultMessages[414]! };
  if (error.code === 'FST_ERR_BAD_URL') return { statusCode: 400, message: defaultMessages[400]! };
  const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (statusCode >= 500 && isDatabaseUnavailable(error)) return { statusCode: 503, message: defaultMessages[503]! };
  return { statusCode, message: defaultMessages[statusCode] ?? defaultMessages[statusCode >= 500 ? 500 : 400]! };
}

/** Headers a failed answer must not carry over from the work it replaces. */
const headersOfTheFailedAnswer = ['location', 'hx-redirect', 'content-disposition', 'content-encoding', 'content-length', 'hx-trigger'];

export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) {
  for (const name of headersOfTheFailedAnswer) reply.removeHeader(name);
  // With the database away, saving the session again would fail this answer too: leave it as it was.
  if (statusCode === 503) request.session = null as unknown as typeof request.session;
  dropUnsendableHeaders(reply, request.log);
  const title = titles[statusCode] ?? (statusCode >= 500 ? titles[500]! : 'Error');
  const reference = statusCode >= 500 ? request.id : undefined;
  if (isHtmx(request)) {
    return reply
      .code(statusCode)
      .header('HX-Retarget', '#alerts')
      .header('HX-Reswap', 'innerHTML')
      .type('text/html; charset=utf-8')
      .send(renderHtml('partials/alert', { kind: 'error', message, reference }));
  }
  let shell: object;
  try {
    if (!request.session) throw new Error('no session to show the page for');
    shell = layoutData(request, reply);
  } catch {
    shell = { user: null, nav: [], csrfToken: '', shopName: 'Traveler', currentPath: '' };
  }
  const html = renderHtml('errors/error', { ...shell, title, statusCode, message, reference });
  return reply.code(statusCode).type('text/html; charset=utf-8').send(html);
}

/** The answer of last resort, when even the error page could not be made: static, and always sendable. */
function sendBareErrorPage(reply: FastifyReply, statusCode: number) {
  if (reply.sent || reply.raw.headersSent) return reply;
  for (const name of Object.keys(reply.getHeaders())) if (!/^(content-security-policy|x-|referrer-policy|strict-transport-security|cross-origin)/.test(name)) reply.removeHeader(name);
  return reply
    .code(statusCode)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title></head><body><h1>Something went wrong</h1><p>Please go back and try again.</p></body></html>');
}

function handleError(error: FastifyError | HttpError | ValidationError, request: FastifyRequest, reply: FastifyReply) {
  try {
    const { statusCode, message } = classify(error);
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ statusCode, code: 'code' in error ? error.code : undefined }, message);
    if (reply.raw.headersSent) return reply;
    return sendErrorPage(request, reply, statusCode, message);
  } catch (failure) {
    request.log.error({ err: failure, original: error }, 'the error page itself failed');
    return sendBareErrorPage(reply, 500);
  }
}

export function registerErrorPages(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) => sendErrorPage(request, reply, 404, defaultMessages[404]!));
  app.setErrorHandler(handleError);
}

/** For Fastify's `frameworkErrors` option: URLs it cannot route (bad encoding, over-long parameters). */
export function frameworkErrorPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  handleError(error, request, reply);
}
