import { Controller, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/public.decorator.js';
import { SkipRateLimit } from '../../common/auth/rate-limit.guard.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { WebhookAcceptedDto } from './webhook.dto.js';
import { WebhookHttpSetup } from './webhook-http.setup.js';
import { type IntakeContext, WebhookIntakeService } from './webhook-intake.service.js';
import { WebhookMetrics } from './webhook.metrics.js';

const problem = (status: number, code: string, detail: string): Record<string, unknown> => ({
  type: `https://jetvision.dev/problems/${code.replace(/_/g, '-')}`,
  status,
  code,
  detail,
});

const EXAMPLE_BODY = {
  type: 'lead_created',
  timestamp: '2026-01-01T10:00:00.000Z',
  data: { lead: { id: '64f1c0ffee0123456789abcd', updatedAt: '2026-01-01T10:00:00.000Z', name: 'Ada Byron' } },
};

/**
 * Where Apollo, Avinode, n8n and JetVision's own tools push events. Public in the API-key sense: each delivery is
 * authenticated by its source's scheme (signature, Basic or shared secret) instead. Exempt from the API rate limit: the
 * intake has its own per-source and per-address limits, checked before the body is read (WebhookHttpSetup).
 */
@ApiTags('webhooks')
@ApiSecurity({})
@Controller('api/integration/webhook')
export class WebhookIntakeController {
  constructor(
    private readonly intake: WebhookIntakeService,
    private readonly http: WebhookHttpSetup,
    private readonly metrics: WebhookMetrics,
  ) {}

  @Post(':source')
  @Public()
  @SkipRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Receive an event from apollo, avainode, n8n or lead',
    description:
      'Body `{type, timestamp?, data}` (or the event itself with `type`). Authenticated per source: Standard Webhooks ' +
      '(webhook-id, webhook-timestamp, webhook-signature over the raw body), HTTP Basic or a shared-secret header. ' +
      'Stored and queued before the answer; a repeated webhook-id is answered 200 with duplicate: true.',
  })
  @ApiParam({ name: 'source', enum: ['apollo', 'avainode', 'n8n', 'lead'] })
  @ApiBody({ schema: { example: EXAMPLE_BODY } })
  @ApiResponse({ status: 202, type: WebhookAcceptedDto, description: 'Stored; processing is queued' })
  @ApiResponse({ status: 200, type: WebhookAcceptedDto, description: 'Already received (duplicate: true)' })
  @ApiResponse({
    status: 400,
    schema: { example: problem(400, 'validation_failed', 'The apollo lead_created event does not match its schema') },
  })
  @ApiResponse({
    status: 401,
    schema: { example: problem(401, 'unauthorized', 'No webhook-signature matches the body') },
  })
  @ApiResponse({
    status: 403,
    schema: {
      example: problem(
        403,
        'forbidden',
        'Webhook source "lead" has no credentials configured (scheme standard); deliveries are refused',
      ),
    },
  })
  @ApiResponse({
    status: 413,
    schema: { example: problem(413, 'payload_too_large', 'The request body exceeds the size limit') },
  })
  @ApiResponse({
    status: 422,
    schema: { example: problem(422, 'unsupported_event_type', 'Source "apollo" sends no event of type "lead_merged"') },
  })
  async receive(
    @Param('source') source: string,
    @Query('type') type: string | undefined,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookAcceptedDto> {
    return this.handle(source, type, request, reply);
  }

  @Post()
  @Public()
  @SkipRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Receive an event (original form: ?source=…&type=…)',
    description: 'The same as POST /api/integration/webhook/{source}; the body may be the event data itself.',
  })
  @ApiQuery({ name: 'source', enum: ['apollo', 'avainode', 'n8n', 'lead'] })
  @ApiQuery({ name: 'type', required: false, example: 'booking_confirmed' })
  @ApiResponse({ status: 202, type: WebhookAcceptedDto })
  @ApiResponse({ status: 200, type: WebhookAcceptedDto, description: 'Already received (duplicate: true)' })
  async receiveLegacy(
    @Query('source') source: string | undefined,
    @Query('type') type: string | undefined,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookAcceptedDto> {
    if (!source) {
      this.http.track(request, { reason: 'source query parameter missing' });
      throw new DomainError('validation_failed', 'The source query parameter is required', {
        errors: [
          { field: 'source', rule: 'required', message: 'source is required: ?source=apollo|avainode|n8n|lead' },
        ],
      });
    }
    return this.handle(source, type, request, reply);
  }

  private async handle(
    source: string,
    type: string | undefined,
    request: RawBodyRequest<FastifyRequest>,
    reply: FastifyReply,
  ): Promise<WebhookAcceptedDto> {
    const context: IntakeContext = {};
    try {
      const result = await this.intake.accept(
        { source, queryType: type, headers: request.headers, rawBody: request.rawBody, body: request.body },
        context,
      );
      if (result.duplicate) void reply.status(200);
      this.metrics.received.inc({
        source: context.source ?? source,
        outcome: result.duplicate ? 'duplicate' : 'accepted',
      });
      return result;
    } catch (error) {
      this.http.track(request, { ...context, reason: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }
}
