import { Module } from '@nestjs/common';
import { EventStreamService } from './event-stream.service.js';
import { EventsController } from './events.controller.js';

/**
 * Relays the application's domain and status events (pipeline, batches, webhooks, sync, MCP) to clients as
 * server-sent events. It only listens to the event emitter, so no feature module depends on it.
 */
@Module({
  controllers: [EventsController],
  providers: [EventStreamService],
  exports: [EventStreamService],
})
export class EventsModule {}
