import { createServer, type AddressInfo, type Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpPeer {
  url: string;
  received: ParsedMail[];
  /** Rejects the next n messages with a temporary SMTP error. */
  rejectNext(count: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
}

/** accept: keep it and answer 250; reject: answer 451; ignore: never answer (the sender died). */
export type SmtpAnswer = 'accept' | 'reject' | 'ignore';

export interface SmtpPeerOptions {
  /** Decides each message's answer; arrival counts every message the peer was sent, from 1. */
  answer?: (mail: ParsedMail, arrival: number) => SmtpAnswer | Promise<SmtpAnswer>;
}

/** A real SMTP server on a free local port; every accepted message is parsed and kept. */
export async function startSmtpPeer(t: { teardown(fn: () => unknown): void }, options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const received: ParsedMail[] = [];
  let toReject = 0;
  let arrivals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        arrivals += 1;
        const arrival = arrivals;
        if (toReject > 0) {
          toReject -= 1;
          return callback(temporaryFailure());
        }
        simpleParser(Buffer.concat(chunks))
          .then(async (mail) => {
            const answer = (await options.answer?.(mail, arrival)) ?? 'accept';
            if (answer === 'reject') return callback(temporaryFailure());
            if (answer === 'ignore') return;
            received.push(mail);
            callback();
          })
          .catch(callback);
      });
    },
  });
  // A sender that dies mid-message resets its connection; the peer carries on, as a real server would.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rejectNext: (count) => {
      toReject = count;
    },
    waitFor: async (count, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} emails, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
  };
}

function temporaryFailure(): Error {
  return Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 });
}

/** A server that takes connections and never says a word: an SMTP server that hangs. */
export async function startSilentPeer(t: { teardown(fn: () => unknown): void }): Promise<{ url: string }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}` };
}
