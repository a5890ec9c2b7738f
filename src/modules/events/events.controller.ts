import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EventStreamService, parseTypePatterns } from './event-stream.service.js';
import { EventsQuery } from './events.dto.js';

/** The live event stream (server-sent events) that the console and other clients follow. */
@ApiTags('events')
@Controller('api/integration')
export class EventsController {
  constructor(private readonly stream: EventStreamService) {}

  @Get('events')
  @ApiOperation({
    summary: 'Live server-sent events: pipeline, batch, webhook, sync and MCP status',
    description:
      'text/event-stream; each event has `id`, `event` (its name) and `data` (JSON with `type`). Filter with ' +
      '`?types=pipeline.**,mcp.*`, `?runId=` or `?batchId=`. Needs the API key header like every route: ' +
      "`curl -N -H 'Authorization: Bearer <key>' http://localhost:3000/api/integration/events?runId=<id>`.",
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'An endless event stream',
    example:
      'id: 7\nevent: pipeline.run.status_changed\ndata: {"type":"pipeline.run.status_changed","runId":"0b6f…","from":"pricing","to":"requesting"}\n\n',
  })
  events(@Query() query: EventsQuery, @Res() reply: FastifyReply): void {
    reply.hijack();
    this.stream.subscribe(reply.raw, {
      types: parseTypePatterns(query.types),
      ...(query.runId ? { runId: query.runId } : {}),
      ...(query.batchId ? { batchId: query.batchId } : {}),
    });
  }
}
