import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CacheService } from '../../common/cache/cache.service.js';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { numberedPage, type NumberedPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import {
  addContactsToSequenceTool,
  type ApolloEngagement,
  type ApolloLead,
  type ApolloOrganization,
  type ApolloPerson,
  type ApolloSequence,
  createEmailSequenceTool,
  enrichContactTool,
  getAccountDataTool,
  type LeadCriteria,
  searchLeadsTool,
  type SequenceStepInput,
  trackEngagementTool,
} from './apollo.contracts.js';
import {
  ApolloContactEnriched,
  ApolloContactsAddedToSequence,
  ApolloLeadCreated,
  ApolloLeadUpdated,
  ApolloSequenceCreated,
} from './apollo.events.js';

/** Cache namespace of organization data by domain (`CACHE_NAMESPACE_TTLS=apollo.account=<seconds>`). */
export const APOLLO_ACCOUNT_CACHE = 'apollo.account';

export interface EnrichContactInput {
  email?: string;
  linkedinUrl?: string;
}

export interface CreateSequenceInput {
  name: string;
  /** Apollo contact ids (24 hex digits) and/or email addresses; an unknown email becomes a new contact upstream. */
  contacts: readonly string[];
  steps: readonly SequenceStepInput[];
}

export interface ContactsAddedResult {
  sequenceId: string;
  added: number;
  alreadyPresent: number;
  contactCount: number;
}

const CONTACT_ID = /^[a-f0-9]{24}$/i;
const CRITERIA = ['jobTitle', 'industry', 'companySize', 'location'] as const;
/**
 * What the Apollo module reads of a lead change raised by the webhook intake (`payload.lead`) — parsed defensively:
 * a cache listener must never fail the intake's processing.
 */
const leadChange = z.object({
  payload: z.object({
    lead: z.object({
      id: z.string(),
      organization: z.object({ domain: z.string().optional() }).nullish(),
    }),
  }),
});

/** Lower-case host part of a domain or URL (`https://www.Acme.com/about` → `acme.com`), as the upstream reads it. */
export function normalizeDomain(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#:].*$/, '');
}

function idempotencyKey(tool: string, value: unknown): string {
  return `${tool}:${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32)}`;
}

/**
 * Apollo sales intelligence over the Apollo MCP server: typed calls, account data cached per domain, and an event
 * for every change the backend makes upstream.
 */
@Injectable()
export class ApolloService {
  /** Contact id → organization domain, learnt from cached account data, so a lead change finds the entry to drop. */
  private readonly contactDomains = new Map<string, string>();

  constructor(
    private readonly mcp: McpClientService,
    private readonly cache: CacheService,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * People search (no emails, like Apollo's free search). At least one of jobTitle, industry, companySize, location;
   * perPage at most 100.
   */
  async searchLeads(criteria: LeadCriteria): Promise<NumberedPage<ApolloLead>> {
    if (!CRITERIA.some((name) => criteria[name] !== undefined && String(criteria[name]).trim() !== '')) {
      throw new ValidationFailedError([
        {
          field: 'jobTitle',
          rule: 'atLeastOneCriterion',
          message: 'at least one search criterion is required: jobTitle, industry, companySize or location',
        },
      ]);
    }
    const args: LeadCriteria = {};
    for (const name of CRITERIA) if (criteria[name] !== undefined) Object.assign(args, { [name]: criteria[name] });
    args.page = criteria.page ?? 1;
    args.perPage = criteria.perPage ?? 25;
    const result = await this.mcp.call(searchLeadsTool, args);
    return numberedPage(result.leads, {
      page: result.pagination.page,
      perPage: result.pagination.perPage,
      totalItems: result.pagination.totalEntries,
      totalPages: result.pagination.totalPages,
    });
  }

  /** The person with email, phone, seniority, departments and employment history; unknown person → 404. */
  async enrichContact(input: EnrichContactInput): Promise<ApolloPerson> {
    const email = input.email?.trim() || undefined;
    const linkedinUrl = input.linkedinUrl?.trim() || undefined;
    if (email === undefined && linkedinUrl === undefined) {
      throw new ValidationFailedError([
        { field: 'email', rule: 'emailOrLinkedinUrl', message: 'email or linkedinUrl is required' },
      ]);
    }
    const args =
      email !== undefined ? { email, ...(linkedinUrl ? { linkedinUrl } : {}) } : { linkedinUrl: linkedinUrl! };
    const { person } = await this.mcp.call(enrichContactTool, args, {
      idempotencyKey: idempotencyKey('enrich-contact', args),
    });
    const domain = person.organization?.domain ?? null;
    // Enrichment can reveal an email that cached account contacts do not show yet.
    if (domain) this.invalidateAccount(domain);
    this.events.emit(ApolloContactEnriched.eventName, new ApolloContactEnriched(person.id, domain, person.emailStatus));
    return person;
  }

  /** Organization data by domain (cached in `apollo.account`); unknown domain → 404. */
  async getAccountData(domain: string, options: { includeContacts?: boolean } = {}): Promise<ApolloOrganization> {
    const normalized = normalizeDomain(domain);
    const includeContacts = options.includeContacts ?? true;
    return this.cache.getOrLoad(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=${includeContacts}`, async () => {
      const { organization } = await this.mcp.call(getAccountDataTool, { domain: normalized, includeContacts });
      for (const contact of organization.contacts ?? []) this.contactDomains.set(contact.id, organization.domain);
      return organization;
    });
  }

  /** Creates an active sequence; `contacts` are Apollo contact ids and/or emails. */
  async createSequence(input: CreateSequenceInput): Promise<ApolloSequence> {
    const contactIds = input.contacts.filter((c) => CONTACT_ID.test(c));
    const emails = input.contacts.filter((c) => !CONTACT_ID.test(c));
    const { sequence } = await this.mcp.call(createEmailSequenceTool, {
      name: input.name,
      ...(contactIds.length ? { contactIds } : {}),
      ...(emails.length ? { emails } : {}),
      steps: input.steps.map((s) => ({
        delayDays: s.delayDays,
        subject: s.subject,
        ...(s.template !== undefined ? { template: s.template } : {}),
      })),
    });
    this.events.emit(
      ApolloSequenceCreated.eventName,
      new ApolloSequenceCreated({
        id: sequence.id,
        name: sequence.name,
        contactCount: sequence.contactCount,
        stepCount: sequence.steps.length,
        status: sequence.status,
      }),
    );
    return sequence;
  }

  /** Adds contacts (ids) to an active sequence; ones already in it are counted, not duplicated. */
  async addContactsToSequence(sequenceId: string, contactIds: readonly string[]): Promise<ContactsAddedResult> {
    const args = { sequenceId, contactIds: [...contactIds] };
    const result = await this.mcp.call(addContactsToSequenceTool, args, {
      idempotencyKey: idempotencyKey('add-contacts-to-sequence', args),
    });
    this.events.emit(
      ApolloContactsAddedToSequence.eventName,
      new ApolloContactsAddedToSequence(sequenceId, args.contactIds, {
        added: result.added,
        alreadyPresent: result.alreadyPresent,
        contactCount: result.contactCount,
      }),
    );
    return result;
  }

  /** Engagement of a sequence for emails sent between two dates (YYYY-MM-DD, inclusive). */
  async trackEngagement(sequenceId: string, startDate: string, endDate: string): Promise<ApolloEngagement> {
    return this.mcp.call(trackEngagementTool, { sequenceId, startDate, endDate });
  }

  /** Drops cached account data of a domain (with and without contacts). */
  invalidateAccount(domain: string): void {
    const normalized = normalizeDomain(domain);
    this.cache.invalidate(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=true`);
    this.cache.invalidate(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=false`);
    for (const [contactId, contactDomain] of this.contactDomains) {
      if (contactDomain === normalized) this.contactDomains.delete(contactId);
    }
  }

  /**
   * A lead changed or appeared upstream (webhook intake's `apollo.lead_updated` / `apollo.lead_created`): cached
   * account data of its organization is dropped — by the domain the lead carries, or by the organization a cached
   * account listed the contact under.
   */
  @OnDomainEvent(ApolloLeadUpdated)
  @OnDomainEvent(ApolloLeadCreated)
  onLeadChanged(event: ApolloLeadUpdated | ApolloLeadCreated): void {
    const parsed = leadChange.safeParse(event);
    if (!parsed.success) return;
    const { lead } = parsed.data.payload;
    const domain = lead.organization?.domain ?? this.contactDomains.get(lead.id);
    if (domain) this.invalidateAccount(domain);
  }
}
