import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import { ApiBadRequestResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { NumberedPage } from '../../common/http/pagination.js';
import type {
  ApolloEngagement,
  ApolloLead,
  ApolloOrganization,
  ApolloPerson,
  ApolloSequence,
} from './apollo.contracts.js';
import {
  AccountParams,
  AccountQuery,
  AddContactsBody,
  BulkEnrichBody,
  CreateSequenceBody,
  EngagementQuery,
  EnrichContactBody,
  SearchLeadsQuery,
  SequenceParams,
} from './apollo.dto.js';
import { ApolloService, type ContactsAddedResult } from './apollo.service.js';

const LEAD_EXAMPLE = {
  id: '5f2a9c1e8b3d4a0012c3e4f5',
  firstName: 'Jane',
  lastName: 'Doe',
  name: 'Jane Doe',
  title: 'Chief Executive Officer',
  seniority: 'c_suite',
  departments: ['executive'],
  linkedinUrl: 'https://www.linkedin.com/in/jane-doe',
  location: { city: 'New York', state: 'New York', country: 'United States' },
  organization: {
    id: '60a1b2c3d4e5f60718293a4b',
    name: 'Summit Capital',
    domain: 'summitcapital.com',
    industry: 'Private Equity',
    employeeCount: 140,
    employeeRange: '51-200',
  },
  hasEmail: true,
  updatedAt: '2026-01-10T09:30:00.000Z',
};
const PERSON_EXAMPLE = {
  ...LEAD_EXAMPLE,
  email: 'jane.doe@summitcapital.com',
  emailStatus: 'verified',
  phone: '+1 212 555 0142',
  enriched: true,
  deleted: false,
  employmentHistory: [
    {
      organizationName: 'Summit Capital',
      title: 'Chief Executive Officer',
      startDate: '2019-03-01',
      endDate: null,
      current: true,
    },
  ],
};
const SEQUENCE_EXAMPLE = {
  id: '64b7f0c2a1e4d5f6a7b8c9d0',
  name: 'Q3 charter outreach',
  status: 'active',
  contactCount: 2,
  contactIds: ['5f2a9c1e8b3d4a0012c3e4f5', '5f2a9c1e8b3d4a0012c3e4f6'],
  steps: [{ position: 1, delayDays: 0, subject: 'Private aviation for Summit Capital', template: null }],
  createdAt: '2026-01-10T09:30:00.000Z',
  updatedAt: '2026-01-10T09:30:00.000Z',
  completedAt: null,
};

function problem(status: number, code: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://jetvision.dev/problems/${code.replace(/_/g, '-')}`,
    title,
    status,
    detail,
    instance: '/api/integration/…',
    requestId: 'req_01HZX3K9Q2',
    ...extra,
  };
}

/** The error answers every Apollo route can give besides its own validation failures. */
function ApolloErrors(): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status: 401,
      description: 'Missing or wrong API key',
      schema: { example: problem(401, 'unauthorized', 'Unauthorized', 'An API key is required') },
    }),
    ApiResponse({
      status: 502,
      description: 'Apollo reported an error or broke its contract',
      schema: {
        example: problem(502, 'upstream_error', 'Upstream error', 'apollo tool search-leads failed: …', {
          server: 'apollo',
          tool: 'search-leads',
          reason: 'tool_error',
        }),
      },
    }),
    ApiResponse({ status: 503, description: 'Apollo unreachable, rate limited or circuit open (Retry-After)' }),
    ApiResponse({ status: 504, description: 'Apollo did not answer in time' }),
  );
}

function validationExample(field: string, rule: string, message: string) {
  return {
    example: problem(400, 'validation_failed', 'Validation failed', 'The request is not valid', {
      errors: [{ field, rule, message }],
    }),
  };
}

@ApiTags('apollo')
@Controller('api/integration')
export class ApolloController {
  constructor(private readonly apollo: ApolloService) {}

  @Get('leads')
  @ApiOperation({
    summary: 'Search leads (people) by job title, industry, company size and location',
    description:
      'At least one criterion is required. Like Apollo’s free people search, results carry no email (hasEmail tells ' +
      'whether enrichment would reveal one). Paged by number: page ≥ 1, perPage ≤ 100.',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of leads',
    schema: {
      example: { items: [LEAD_EXAMPLE], page: { page: 1, perPage: 25, totalItems: 1, totalPages: 1 } },
    },
  })
  @ApiBadRequestResponse({
    description: 'No criterion, or a bad value',
    schema: validationExample(
      'jobTitle',
      'atLeastOneCriterion',
      'at least one search criterion is required: jobTitle, industry, companySize or location',
    ),
  })
  @ApolloErrors()
  searchLeads(@Query() query: SearchLeadsQuery): Promise<NumberedPage<ApolloLead>> {
    return this.apollo.searchLeads(query);
  }

  @Post('contacts/enrich')
  @RequiresScope('operate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Enrich a contact by email or LinkedIn URL',
    description: 'Reveals email (with status), phone, seniority, departments and employment history.',
  })
  @ApiResponse({ status: 200, description: 'The enriched person', schema: { example: PERSON_EXAMPLE } })
  @ApiBadRequestResponse({
    description: 'Neither email nor linkedinUrl, or a malformed one',
    schema: validationExample('email', 'isDefined', 'email or linkedinUrl is required'),
  })
  @ApiResponse({ status: 404, description: 'Apollo knows no such person' })
  @ApolloErrors()
  enrichContact(@Body() body: EnrichContactBody): Promise<ApolloPerson> {
    return this.apollo.enrichContact(body);
  }

  @Post('contacts/enrich/bulk')
  @RequiresScope('operate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Enrich up to 10 contacts in one request',
    description:
      'One entry per person asked for, in order; `null` where Apollo knows no such person. On Apollo’s hosted MCP ' +
      'server this is one bulk match (its credits are counted in `jetvision_apollo_credits_spent_total`).',
  })
  @ApiResponse({
    status: 200,
    description: 'The enriched people',
    schema: { example: { results: [PERSON_EXAMPLE, null] } },
  })
  @ApiBadRequestResponse({
    description: 'No people, more than 10, or a malformed entry',
    schema: validationExample('contacts', 'arrayMaxSize', 'contacts must list at most 10 people'),
  })
  @ApolloErrors()
  async enrichContacts(@Body() body: BulkEnrichBody): Promise<{ results: (ApolloPerson | null)[] }> {
    return { results: await this.apollo.enrichContacts(body.contacts) };
  }

  @Get('accounts/:domain')
  @ApiOperation({
    summary: 'Account intelligence for a company domain',
    description:
      'Industry, employees, revenue, founding year, headquarters, technologies and (unless includeContacts=false) ' +
      'contacts. Cached per domain (CACHE_NAMESPACE_TTLS apollo.account); dropped when a lead of the company changes.',
  })
  @ApiResponse({
    status: 200,
    description: 'The organization',
    schema: {
      example: {
        ...LEAD_EXAMPLE.organization,
        websiteUrl: 'https://summitcapital.com',
        linkedinUrl: 'https://www.linkedin.com/company/summit-capital',
        phone: '+1 212 555 0100',
        annualRevenue: 85_000_000,
        foundedYear: 2004,
        headquarters: { city: 'New York', state: 'New York', country: 'United States' },
        technologies: ['Salesforce', 'Google Workspace'],
        contacts: [{ ...PERSON_EXAMPLE, employmentHistory: undefined }],
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Not a domain name',
    schema: validationExample('domain', 'isFqdn', 'domain must be a domain name such as acme.com'),
  })
  @ApiResponse({ status: 404, description: 'Apollo knows no organization with that domain' })
  @ApolloErrors()
  getAccount(@Param() params: AccountParams, @Query() query: AccountQuery): Promise<ApolloOrganization> {
    return this.apollo.getAccountData(params.domain, { includeContacts: query.includeContacts });
  }

  @Post('sequences')
  @RequiresScope('operate')
  @ApiOperation({
    summary: 'Create an email sequence',
    description: 'contacts: Apollo contact ids and/or email addresses (an unknown email becomes a new contact).',
  })
  @ApiResponse({ status: 201, description: 'The created sequence (active)', schema: { example: SEQUENCE_EXAMPLE } })
  @ApiBadRequestResponse({
    description: 'Missing name, no contacts or steps, or a bad value',
    schema: validationExample('contacts', 'arrayNotEmpty', 'contacts must list at least one contact'),
  })
  @ApolloErrors()
  createSequence(@Body() body: CreateSequenceBody): Promise<ApolloSequence> {
    return this.apollo.createSequence(body);
  }

  @Post('sequences/:id/contacts')
  @RequiresScope('operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add contacts to a sequence (ones already in it are counted, not duplicated)' })
  @ApiResponse({
    status: 200,
    description: 'Counts',
    schema: { example: { sequenceId: SEQUENCE_EXAMPLE.id, added: 1, alreadyPresent: 1, contactCount: 3 } },
  })
  @ApiBadRequestResponse({
    description: 'Empty or malformed contact ids',
    schema: validationExample('contactIds', 'arrayNotEmpty', 'contactIds must list at least one contact'),
  })
  @ApiResponse({ status: 404, description: 'No such sequence, or an unknown contact' })
  @ApolloErrors()
  addContacts(@Param() params: SequenceParams, @Body() body: AddContactsBody): Promise<ContactsAddedResult> {
    return this.apollo.addContactsToSequence(params.id, body.contactIds);
  }

  @Get('sequences/:id/engagement')
  @ApiOperation({
    summary: 'Engagement of a sequence over a date range',
    description: 'Emails sent between startDate and endDate (UTC days, inclusive) and what happened to them.',
  })
  @ApiResponse({
    status: 200,
    description: 'Counts and rates',
    schema: {
      example: {
        sequenceId: SEQUENCE_EXAMPLE.id,
        sequenceStatus: 'active',
        startDate: '2026-01-01',
        endDate: '2026-01-31',
        sent: 40,
        delivered: 38,
        opened: 21,
        clicked: 6,
        replied: 4,
        bounced: 2,
        meetingsBooked: 1,
        rates: {
          deliveryRate: 0.95,
          openRate: 0.5526,
          clickRate: 0.1579,
          replyRate: 0.1053,
          bounceRate: 0.05,
          meetingRate: 0.0263,
        },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Missing or malformed dates, or endDate before startDate',
    schema: validationExample('endDate', 'isOnOrAfter', 'endDate must be on or after startDate'),
  })
  @ApiResponse({ status: 404, description: 'No such sequence' })
  @ApolloErrors()
  engagement(@Param() params: SequenceParams, @Query() query: EngagementQuery): Promise<ApolloEngagement> {
    return this.apollo.trackEngagement(params.id, query.startDate, query.endDate);
  }
}
