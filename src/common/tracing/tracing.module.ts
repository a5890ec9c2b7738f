import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HttpTraceInterceptor, HttpTracing } from './http-tracing.js';

/** OpenTelemetry: HTTP server spans and the configured exporter (see `tracing.ts` for the spans other code makes). */
@Module({
  providers: [HttpTracing, { provide: APP_INTERCEPTOR, useClass: HttpTraceInterceptor }],
})
export class TracingModule {}
