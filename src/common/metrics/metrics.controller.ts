import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { SkipRateLimit } from '../auth/rate-limit.guard.js';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service.js';

@ApiExcludeController()
// Scraped by Prometheus without a key: counters and timings by route pattern, no identifiers or payloads.
@Public()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', this.metrics.contentType).send(await this.metrics.render());
  }
}
