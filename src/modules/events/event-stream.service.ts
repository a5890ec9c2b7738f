import type { ServerResponse } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { FastifyInstance } from 'fastify';

/** Event families the stream relays (the application's domain and status events; never internal ones). */
const RELAYED_PREFIXES = [
  'pipeline.',
  'avinode.',
  'avainode.',
  'apollo.',
  'n8n.',
  'lead.',
  'webhook.',
  'sync.',
  'mcp.',
];
const HEARTBEAT_MS = 15_000;

export interface StreamFilter {
  /** Event-name patterns: `*` matches one dot-separated segment, `**` any rest. Empty: everything relayed. */
  types: RegExp[];
  runId?: string;
  batchId?: string;
}

interface Subscriber {
  filter: StreamFilter;
  response: ServerResponse;
  heartbeat: NodeJS.Timeout;
}

/** `pipeline.**,mcp.*` → matchers. */
export function parseTypePatterns(text: string | undefined): RegExp[] {
  if (!text) return [];
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((pattern) => {
      const source = pattern
        .split('.')
        .map((segment) =>
          segment === '**' ? '.*' : segment === '*' ? '[^.]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('\\.');
      return new RegExp(`^${source}$`);
    });
}

function field(event: unknown, name: string): unknown {
  return typeof event === 'object' && event !== null && name in event
    ? (event as Record<string, unknown>)[name]
    : undefined;
}

/** The run an event concerns, wherever the event keeps it. */
function runIdOf(event: unknown): unknown {
  return field(event, 'runId');
}

/**
 * Server-sent events: every relayed domain event, in the order this process emitted it, to each subscriber whose
 * filter matches. A stream ends when its client goes away, and all streams end before the HTTP server closes (so a
 * shutdown never waits on an open stream).
 */
@Injectable()
export class EventStreamService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventStream');
  private readonly subscribers = new Set<Subscriber>();
  private sequence = 0;
  private closed = false;
  private readonly listener = (name: string | string[], ...values: unknown[]): void => {
    this.relay(Array.isArray(name) ? name.join('.') : name, values[0]);
  };

  constructor(
    private readonly events: EventEmitter2,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.events.onAny(this.listener);
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // fastify's close waits for open requests; an event stream is one that never ends by itself.
    fastify?.addHook('preClose', (done) => {
      this.closeAll();
      done();
    });
  }

  onModuleDestroy(): void {
    this.events.offAny(this.listener);
    this.closeAll();
  }

  beforeApplicationShutdown(): void {
    this.closeAll();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Takes over the response: writes the SSE head and keeps it open until the client leaves or we shut down. */
  subscribe(response: ServerResponse, filter: StreamFilter): void {
    if (this.closed) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('shutting down');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    response.write(`: connected\nretry: 3000\n\n`);
    const heartbeat = setInterval(() => response.write(`: keep-alive\n\n`), HEARTBEAT_MS);
    heartbeat.unref();
    const subscriber: Subscriber = { filter, response, heartbeat };
    this.subscribers.add(subscriber);
    response.once('close', () => this.drop(subscriber));
  }

  private relay(name: string, event: unknown): void {
    if (this.subscribers.size === 0 || !RELAYED_PREFIXES.some((prefix) => name.startsWith(prefix))) return;
    let frame: string | undefined;
    for (const subscriber of this.subscribers) {
      const { types, runId, batchId } = subscriber.filter;
      if (types.length > 0 && !types.some((t) => t.test(name))) continue;
      if (runId !== undefined && runIdOf(event) !== runId) continue;
      if (batchId !== undefined && field(event, 'batchId') !== batchId) continue;
      if (frame === undefined) {
        const id = ++this.sequence;
        let data: string;
        try {
          data = JSON.stringify({
            type: name,
            ...(typeof event === 'object' && event !== null ? event : { value: event }),
          });
        } catch (error) {
          this.logger.warn(`Event ${name} is not serialisable: ${(error as Error).message}`);
          return;
        }
        frame = `id: ${id}\nevent: ${name}\ndata: ${data}\n\n`;
      }
      subscriber.response.write(frame);
    }
  }

  private drop(subscriber: Subscriber): void {
    clearInterval(subscriber.heartbeat);
    this.subscribers.delete(subscriber);
  }

  private closeAll(): void {
    this.closed = true;
    for (const subscriber of [...this.subscribers]) {
      this.drop(subscriber);
      subscriber.response.end();
    }
  }
}
