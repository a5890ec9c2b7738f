import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditActorInterceptor } from './common/auth/audit-actor.interceptor.js';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ApiKeyGuard } from './common/auth/api-key.guard.js';
import { RateLimitGuard } from './common/auth/rate-limit.guard.js';
import { CacheModule } from './common/cache/cache.module.js';
import type { AppConfig } from './common/config/app-config.js';
import { ConfigModule } from './common/config/config.module.js';
import { DatabaseModule } from './common/database/database.module.js';
import { HealthModule } from './common/health/health.module.js';
import { ProblemDetailsFilter } from './common/http/problem-details.filter.js';
import { JobsModule } from './common/jobs/jobs.module.js';
import { LifecycleModule } from './common/lifecycle/lifecycle.module.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { McpModule } from './common/mcp/mcp.module.js';
import { MetricsModule } from './common/metrics/metrics.module.js';
import { UpstreamMutationsModule } from './common/mutations/upstream-mutations.module.js';
import { TracingModule } from './common/tracing/tracing.module.js';
import { DATABASE_SCHEMA } from './database-schema.js';
import { ApolloModule } from './modules/apollo/apollo.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { N8nModule } from './modules/n8n/n8n.module.js';
import { AvainodeModule } from './modules/avainode/avainode.module.js';
import { WebhookModule } from './modules/webhook/webhook.module.js';
import { SyncModule } from './modules/sync/sync.module.js';
import { PipelineModule } from './modules/pipeline/pipeline.module.js';
import { EventsModule } from './modules/events/events.module.js';

/** The composition root: infrastructure from src/common, features from src/modules. */
@Module({})
export class AppModule {
  static register(config: AppConfig, extraImports: Array<Type | DynamicModule> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.', maxListeners: 50, ignoreErrors: false }),
        LifecycleModule,
        DatabaseModule.forRoot(DATABASE_SCHEMA),
        JobsModule,
        UpstreamMutationsModule,
        MetricsModule,
        TracingModule,
        CacheModule,
        HealthModule,
        AuditModule,
        McpModule.forRoot(),
        ApolloModule,
        N8nModule,
        AvainodeModule,
        WebhookModule,
        SyncModule,
        PipelineModule,
        EventsModule,
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // Order matters: the key guard identifies the caller, then the rate limit applies per key or per address.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditActorInterceptor },
      ],
    };
  }
}
