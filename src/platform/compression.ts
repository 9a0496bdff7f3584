import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

const gzipAsync = promisify(gzip);
const worthCompressing = 2048;
const compressible = /^(text\/html|application\/json)/;

/**
 * Gzips rendered pages and fragments for clients that accept it. A queue page is about 80 KB of
 * HTML and 7 KB gzipped; compressing it (on libuv's thread pool, at the fastest level) costs
 * less than handing the kernel the full 80 KB, and far less on a shop's Wi-Fi. Each page carries
 * a freshly salted CSRF token, so compressing secrets beside reflected input (BREACH) reveals
 * nothing that could be reused.
 */
export function registerCompression(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!(typeof payload === 'string' || Buffer.isBuffer(payload)) || payload.length < worthCompressing) return payload;
    if (request.method === 'HEAD' || reply.hasHeader('content-encoding')) return payload;
    if (!compressible.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    const accepted = request.headers['accept-encoding'];
    reply.header('vary', 'accept-encoding');
    if (typeof accepted !== 'string' || !/\bgzip\b/.test(accepted)) return payload;
    reply.header('content-encoding', 'gzip');
    reply.removeHeader('content-length');
    return gzipAsync(payload, { level: constants.Z_BEST_SPEED });
  });
}
