import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isHtmx } from './forms.js';
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
  415: 'That kind of request is not accepted here.',
  429: 'Too many attempts. Wait a minute and try again.',
  500: 'Something went wrong on our side. It has been logged; please try again.',
};

const titles: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Changed by someone else',
  413: 'Too large',
  415: 'Not accepted',
  429: 'Slow down',
  500: 'Something went wrong',
};

function publicMessage(error: FastifyError | HttpError | ValidationError, statusCode: number): string {
  if (error instanceof HttpError || error instanceof ValidationError) return error.message;
  if (error.code?.startsWith('FST_CSRF')) {
    return 'This form has expired or was sent from somewhere else. Go back, reload the page and try again.';
  }
  return defaultMessages[statusCode] ?? defaultMessages[statusCode >= 500 ? 500 : 400]!;
}

export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) {
  const title = titles[statusCode] ?? (statusCode >= 500 ? titles[500]! : 'Error');
  if (isHtmx(request)) {
    return reply
      .code(statusCode)
      .header('HX-Retarget', '#alerts')
      .header('HX-Reswap', 'innerHTML')
      .type('text/html; charset=utf-8')
      .send(renderHtml('partials/alert', { kind: 'error', message, reference: statusCode >= 500 ? request.id : undefined }));
  }
  let shell: object;
  try {
    shell = layoutData(request, reply);
  } catch {
    shell = { user: null, nav: [], csrfToken: '', shopName: 'Traveler', currentPath: '' };
  }
  const html = renderHtml('errors/error', {
    ...shell,
    title,
    statusCode,
    message,
    reference: statusCode >= 500 ? request.id : undefined,
  });
  return reply.code(statusCode).type('text/html; charset=utf-8').send(html);
}

export function registerErrorPages(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) => sendErrorPage(request, reply, 404, defaultMessages[404]!));

  app.setErrorHandler((error: FastifyError | HttpError | ValidationError, request, reply) => {
    const statusCode =
      error instanceof ValidationError ? 422 : error instanceof HttpError ? error.statusCode : (error.statusCode ?? 500);
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ statusCode, code: 'code' in error ? error.code : undefined }, error.message);
    return sendErrorPage(request, reply, statusCode >= 400 ? statusCode : 500, publicMessage(error, statusCode));
  });
}
