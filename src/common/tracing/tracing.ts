import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import { APP_VERSION } from '../version.js';

/**
 * Tracing through the OpenTelemetry API only: without a registered provider (the default, see `tracing-provider.ts`)
 * every call here is a no-op, so instrumented code costs next to nothing when tracing is off.
 */
export function tracer(): ReturnType<typeof trace.getTracer> {
  return trace.getTracer('jetvision-integration', APP_VERSION);
}

/** W3C trace context (`traceparent`, `tracestate`) of the active span, for a job payload or an MCP request's `_meta`. */
export function currentTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a carrier (HTTP headers, job payload, `_meta`) continues; the active one when it carries none. */
export function contextFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  if (!carrier) return context.active();
  return propagation.extract(context.active(), carrier, {
    get: (from, key) => {
      const value = from[key];
      return typeof value === 'string' ? value : Array.isArray(value) ? (value as string[]) : undefined;
    },
    keys: (from) => Object.keys(from),
  });
}

/**
 * Runs `work` in a new active span (a child of `parent`, or of the active span), ending it when `work` settles: a
 * thrown error marks the span failed with `error.type` (the error's `code` or `kind` when it has one).
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks a span failed; `error.type` is the error's own code (a domain code, an MCP failure kind) or its class. */
export function markFailed(span: Span, error: unknown, type?: string): void {
  const coded = error as { code?: unknown; kind?: unknown; name?: unknown } | null;
  const errorType =
    type ??
    (typeof coded?.kind === 'string'
      ? coded.kind
      : typeof coded?.code === 'string'
        ? coded.code
        : typeof coded?.name === 'string'
          ? coded.name
          : '_OTHER');
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}

export { SpanKind };
