// Small network probes shared by the health checks.
import { connect } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';

export class ProbeError extends Error {
  constructor(
    message: string,
    /** True when something accepted the TCP connection (the port is taken). */
    readonly answered: boolean,
  ) {
    super(message);
  }
}

/**
 * Sends `request` and collects the reply until `isComplete` says it is whole; with `tls`, over
 * TLS with those options (the server's certificate checked).
 */
export function tcpExchange(
  host: string,
  port: number,
  request: Buffer,
  isComplete: (reply: Buffer) => boolean,
  timeoutMs = 3000,
  tls?: ConnectionOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let reply = Buffer.alloc(0);
    const socket = tls ? connectTls({ host, port, ...tls }) : connect({ host, port });
    const fail = (message: string) => {
      socket.destroy();
      reject(new ProbeError(message, connected));
    };
    socket.setTimeout(timeoutMs, () => fail(connected ? 'no answer' : 'connection timed out'));
    socket.on('connect', () => {
      connected = true;
      if (!tls) socket.write(request);
    });
    socket.on('secureConnect', () => socket.write(request));
    socket.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d]);
      if (isComplete(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message),
    );
    socket.on('end', () => fail('connection closed without an answer'));
  });
}

/** Whether anything listens on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export async function httpGet(url: string, timeoutMs = 3000): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}
