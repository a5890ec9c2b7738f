import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AppConfig } from '../config/app-config.js';
import { APP_VERSION } from '../version.js';

export interface TracingRegistration {
  /** Flushes what is buffered and unregisters everything (the API becomes a no-op again). */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider with these span processors as the process's global one, with W3C trace-context
 * propagation and async-local context (so a span started in a handler is the parent of what that handler awaits).
 * `main.ts` registers the OTLP exporter when configured; tests register an in-memory one.
 */
export function registerTracing(
  processors: SpanProcessor[],
  serviceName = 'jetvision-integration',
): TracingRegistration {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': APP_VERSION }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Tracing as configured: spans exported over OTLP/HTTP when an endpoint is set, otherwise nothing registered (off). */
export function startConfiguredTracing(config: AppConfig): TracingRegistration | undefined {
  const endpoint = config.tracing.otlpEndpoint;
  if (!endpoint) return undefined;
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  return registerTracing([new BatchSpanProcessor(exporter)], config.tracing.serviceName);
}
