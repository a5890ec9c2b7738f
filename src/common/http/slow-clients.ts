import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../errors/domain-error.js';
import { problemTypeFor } from '../errors/error-catalog.js';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument } from './problem-document.js';

export interface SlowClientLimits {
  /** The request line and headers must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Longest silence while a request body is being received. */
  bodyReadTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** Requests one connection may have in flight at once (HTTP/1.1 pipelining). */
  maxConcurrentRequestsPerConnection: number;
}

const logger = new Logger('HttpLimits');
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Options for the HTTP server: Node answers a request that is not complete in time (headers or whole request) by
 * raising a client error, which `clientErrorHandler` turns into 408 problem+json. Node checks these deadlines on an
 * interval (30 s by default); a shorter one keeps the answer near the configured time.
 */
export function slowClientServerOptions(limits: SlowClientLimits): {
  requestTimeout: number;
  http: ServerOptions;
  clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => void;
} {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    clientErrorHandler: (error, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      if (socket.writable) {
        const detail =
          status === 408
            ? `The request did not arrive in time: headers within ${headersTimeout} ms, the whole request within ` +
              `${limits.requestTimeoutMs} ms`
            : status === 431
              ? 'The request headers are too large'
              : 'The request is not valid HTTP';
        const body = JSON.stringify(problemOf(status, detail));
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  };
}

/**
 * Hooks for what Node does not limit itself: silence while a body arrives (the whole-request deadline alone would let
 * a client hold a connection for its full length one byte at a time), and requests in flight per connection.
 */
export function installSlowClientLimits(fastify: FastifyInstance, limits: SlowClientLimits): void {
  const inFlight = new WeakMap<Socket, number>();

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const socket = request.raw.socket;
    const count = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, count);
    reply.raw.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    if (count > limits.maxConcurrentRequestsPerConnection) {
      void reply.header('connection', 'close');
      throw new DomainError(
        'rate_limited',
        `More than ${limits.maxConcurrentRequestsPerConnection} requests in flight on one connection; open another ` +
          'connection or wait for the answers',
        { retryAfterSeconds: 1, extensions: { limit: limits.maxConcurrentRequestsPerConnection } },
      );
    }
  });

  fastify.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    const headers = request.headers;
    const noBody = headers['transfer-encoding'] === undefined && Number(headers['content-length'] ?? 0) === 0;
    if (noBody) return payload;
    if (request.raw.readableEnded) return payload;
    const watched = new BodyWatch(limits.bodyReadTimeoutMs, () => {
      void reply.header('connection', 'close');
      logger.debug(`${request.id}: request body stalled for ${limits.bodyReadTimeoutMs} ms`);
    });
    payload.on('error', (error: Error) => watched.destroy(error));
    // The body parser reports the errors it reads. A body nobody reads (refused before parsing: 415, 401 …) or one the
    // client abandoned must not raise an unhandled 'error' that would take the process down.
    watched.on('error', () => undefined);
    reply.raw.once('close', () => watched.destroy());
    return payload.pipe(watched);
  });
}

/** Passes a body through, counting its bytes for Fastify's limits, and fails with 408 when it stalls. */
class BodyWatch extends Transform {
  receivedEncodedLength = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number, onStall: () => void) {
    super();
    this.timer = setTimeout(() => {
      onStall();
      this.destroy(
        new DomainError('request_timeout', `No part of the request body arrived for ${timeoutMs} ms`, {
          extensions: { bodyReadTimeoutMs: timeoutMs },
        }),
      );
    }, timeoutMs);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    this.timer.refresh();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }
}

/** The problem document for an answer written straight to the socket (no request object exists yet). */
function problemOf(status: number, detail: string): ProblemDocument {
  const code = status === 408 ? 'request_timeout' : status === 431 ? 'request_header_fields_too_large' : 'bad_request';
  return {
    type: problemTypeFor(code),
    title: STATUS_TEXT[status] ?? 'Bad Request',
    status,
    detail,
    instance: '',
    requestId: '',
    code,
  };
}
