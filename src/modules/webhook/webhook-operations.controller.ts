import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ListWebhookEventsQuery, SendTestEventDto, WebhookEventDto, WebhookEventPageDto } from './webhook.dto.js';
import {
  type TestEventResult,
  type WebhookEndpointDescription,
  WebhookOperationsService,
} from './webhook-operations.service.js';

const DESCRIBE_EXAMPLE = {
  endpoint: '/api/integration/webhook/{source}',
  legacyEndpoint: '/api/integration/webhook?source={source}&type={type}',
  signatureToleranceSeconds: 300,
  bodyLimitBytes: 262144,
  maxAttempts: 8,
  sources: [
    {
      name: 'avainode',
      url: '/api/integration/webhook/avainode',
      authScheme: 'basic',
      credentialsConfigured: true,
      embedded: false,
      eventTypes: [
        {
          type: 'booking_confirmed',
          aliases: [],
          eventName: 'avinode.booking_confirmed',
          description: 'A charter booking was confirmed (full data or thin {id, href})',
        },
      ],
    },
  ],
  counts: { received: 2, failed: 0, processed: 1520, stale: 3, dead_lettered: 1, total: 1526 },
};

const TEST_EXAMPLE = {
  ok: true,
  source: 'apollo',
  messageId: 'test_6f1c…',
  httpStatus: 202,
  eventId: '0b8f5a7e-2f7a-4b1e-9a55-0c2f3d7f9b10',
  eventStatus: 'processed',
  detail: 'Accepted, stored and processed',
};

/** Operating the intake: what it accepts, what it received, and replaying what failed. API key required. */
@ApiTags('webhooks')
@Controller('api/integration/webhook')
export class WebhookOperationsController {
  constructor(private readonly operations: WebhookOperationsService) {}

  @Get()
  @ApiOperation({ summary: 'Describe the intake: sources, event types, auth scheme per source, counts by status' })
  @ApiOkResponse({ schema: { example: DESCRIBE_EXAMPLE } })
  describe(): Promise<WebhookEndpointDescription> {
    return this.operations.describe();
  }

  @Get('events')
  @ApiOperation({ summary: 'List received events, newest first (filter by source, type, status; cursor pages)' })
  @ApiOkResponse({ type: WebhookEventPageDto })
  list(@Query() query: ListWebhookEventsQuery): Promise<WebhookEventPageDto> {
    return this.operations.list(query);
  }

  @Get('events/:id')
  @ApiOperation({ summary: 'One received event with its payload and processing state' })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiResponse({ status: 404, description: 'No such event' })
  get(@Param('id') id: string): Promise<WebhookEventDto> {
    return this.operations.get(id);
  }

  @Post('events/:id/replay')
  @RequiresScope('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Process a dead-lettered or processed event again' })
  @ApiResponse({ status: 202, type: WebhookEventDto, description: 'Queued again (status received)' })
  @ApiResponse({ status: 409, description: 'The event is not dead-lettered or processed' })
  replay(@Param('id') id: string): Promise<WebhookEventDto> {
    return this.operations.replay(id);
  }

  @Post('test')
  @RequiresScope('operate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a signed test event through the whole path (HTTP, authentication, storage, processing)',
  })
  @ApiOkResponse({ schema: { example: TEST_EXAMPLE } })
  sendTest(@Body() body: SendTestEventDto): Promise<TestEventResult> {
    return this.operations.sendTest(body.source, body.message);
  }
}
