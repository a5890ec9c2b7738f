import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { WebhookAuthService } from './webhook-auth.service.js';
import { WebhookEntityVersion } from './webhook-entity-version.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';
import { WebhookHttpSetup } from './webhook-http.setup.js';
import { WebhookIntakeController } from './webhook-intake.controller.js';
import { WebhookIntakeService } from './webhook-intake.service.js';
import { WebhookIntakeLimiter } from './webhook-intake-limiter.js';
import { WebhookRejectionLedger } from './webhook-rejection-ledger.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { WebhookOperationsController } from './webhook-operations.controller.js';
import { WebhookOperationsService } from './webhook-operations.service.js';
import { WebhookProcessor } from './webhook-processor.service.js';
import { WEBHOOK_QUEUES, webhookQueues } from './webhook.queues.js';

/**
 * Webhook intake: verified, deduplicated, stored before acknowledged, processed into the domain events in `./events`
 * that other modules consume with `@OnDomainEvent(ApolloLeadUpdated)` etc.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEvent, WebhookEntityVersion])],
  controllers: [WebhookOperationsController, WebhookIntakeController],
  providers: [
    { provide: WEBHOOK_QUEUES, useFactory: webhookQueues, inject: [AppConfig] },
    WebhookMetrics,
    WebhookAuthService,
    WebhookIntakeLimiter,
    WebhookRejectionLedger,
    WebhookHttpSetup,
    WebhookIntakeService,
    WebhookProcessor,
    WebhookOperationsService,
  ],
  exports: [WebhookIntakeService, WebhookOperationsService, WebhookHttpSetup],
})
export class WebhookModule {}
