import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUDIT_PAGE_EXAMPLE, AuditQueryDto, toAuditQuery } from './audit-query.dto.js';
import { type AuditPage, AuditService } from './audit.service.js';

@ApiTags('audit')
@Controller('api/integration/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'Query the audit log',
    description:
      'Newest first. Filter by time range, source, type (exact, or a prefix with a trailing *), subject, correlation ' +
      'id and outcome; follow page.nextCursor for the next page. Entries older than AUDIT_RETENTION_DAYS are deleted hourly.',
  })
  @ApiOkResponse({ description: 'One page of entries', schema: { example: AUDIT_PAGE_EXAMPLE } })
  list(@Query() query: AuditQueryDto): Promise<AuditPage> {
    return this.audit.query(toAuditQuery(query));
  }
}
