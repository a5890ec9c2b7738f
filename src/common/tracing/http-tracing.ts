import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type Span, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { startConfiguredTracing, type TracingRegistration } from './tracing-provider.js';
import { SpanKind, contextFrom, tracer } from './tracing.js';

const requestSpans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per HTTP request (continuing an incoming `traceparent`), named by method and route template, ended
 * when the response is sent with its status; 5xx marks it failed. Also starts and stops the configured exporter.
 */
@Injectable()
export class HttpTracing implements OnModuleInit, OnApplicationShutdown {
  private registration: TracingRegistration | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.registration = startConfiguredTracing(this.config);
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      const span = tracer().startSpan(
        route ? `${request.method} ${route}` : request.method,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}) },
        },
        contextFrom(request.headers),
      );
      requestSpans.set(request, span);
    });
    fastify.addHook('onResponse', async (request, reply) => {
      const span = requestSpans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) {
        span.setAttribute('error.type', String(reply.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registration?.shutdown();
  }
}

/** Makes the request's span the active one for its handler, so what the handler does becomes its children. */
@Injectable()
export class HttpTraceInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const span = requestSpans.get(execution.switchToHttp().getRequest<FastifyRequest>());
    if (!span) return next.handle();
    // `handle()` binds the handler to the async context it is called in: call it inside the span's.
    return context.with(trace.setSpan(context.active(), span), () => next.handle());
  }
}
