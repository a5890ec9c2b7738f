import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CacheService } from '../../common/cache/cache.service.js';
import { DomainError, OperationNotSupportedError, ValidationFailedError } from '../../common/errors/domain-error.js';
import { numberedPage, type NumberedPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import type { UpstreamMutation } from '../../common/mutations/upstream-mutation.entity.js';
import { type ReconcileOutcome, UpstreamMutationsService } from '../../common/mutations/upstream-mutations.service.js';
import { AuditService } from '../audit/audit.service.js';
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
  sequenceSchema,
  type SequenceStepInput,
  trackEngagementTool,
} from './apollo.contracts.js';
import {
  type ApolloProfileName,
  JETVISION_PROFILE,
  leadFromOfficial,
  OFFICIAL_PROFILE,
  officialSearchArgs,
  organizationEnrichTool,
  organizationFromOfficial,
  peopleBulkMatchTool,
  peopleMatchTool,
  peopleSearchTool,
  personFromOfficial,
} from './apollo-official.contracts.js';
import { ApolloMetrics } from './apollo.metrics.js';
import {
  ApolloContactEnriched,
  ApolloContactsAddedToSequence,
  ApolloLeadCreated,
  ApolloLeadUpdated,
  ApolloSequenceCreated,
} from './apollo.events.js';
import { publish } from '../../common/events/publish.js';

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

/** A miss on the official server (`person: null`), answered like the JetVision tools' "not found" refusals. */
function apolloNotFound(resource: string, id: string, tool: string): DomainError {
  return new DomainError('not_found', `Apollo found no ${resource} for ${id}`, {
    extensions: { server: 'apollo', tool, resource, id },
  });
}

const CREATE_SEQUENCE_OPERATION = 'create_sequence';
const ADD_CONTACTS_OPERATION = 'add_contacts_to_sequence';

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** An answer an intent kept (see `MutationSteps.keep`), typed again; missing, the retry cannot answer yet. */
function restoreKept<T>(schema: z.ZodType<T>, kept: unknown, what: string): T {
  const parsed = schema.safeParse(kept);
  if (parsed.success) return parsed.data;
  throw new DomainError('service_unavailable', `apollo made ${what} but its answer was not kept; try again later`, {
    extensions: { upstream: 'apollo' },
    retryAfterSeconds: 60,
  });
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
    private readonly metrics: ApolloMetrics,
    private readonly mutations: UpstreamMutationsService,
    private readonly audit: AuditService,
  ) {
    mutations.registerReconciler('apollo', CREATE_SEQUENCE_OPERATION, (intent) =>
      this.reconcileSequenceCreated(intent),
    );
    mutations.registerReconciler('apollo', ADD_CONTACTS_OPERATION, (intent) => this.reconcileContactsAdded(intent));
  }

  /**
   * The tool profile the Apollo server speaks, read from the tool list it announced on connect: `official` when it
   * offers Apollo's hosted-server tools (`apollo_people_match`, …) rather than the JetVision contract. Until a tool
   * list is known (server down), `jetvision`: the call then fails as unavailable either way.
   */
  profile(): ApolloProfileName {
    const tools = this.mcp.diagnostics().find((d) => d.server === 'apollo')?.tools ?? [];
    if (tools.length === 0) return JETVISION_PROFILE;
    return this.mcp.registry.profileOf('apollo', new Set(tools)) === OFFICIAL_PROFILE
      ? OFFICIAL_PROFILE
      : JETVISION_PROFILE;
  }

  /** Refuses an operation Apollo's hosted MCP server has no tool for, naming it (never answered with made-up data). */
  private requireJetvision(operation: string): void {
    if (this.profile() === OFFICIAL_PROFILE) {
      throw new OperationNotSupportedError(
        'apollo',
        operation,
        "Apollo's hosted MCP server (official tool profile) offers no tool for it",
        { profile: OFFICIAL_PROFILE },
      );
    }
  }

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
    if (this.profile() === OFFICIAL_PROFILE) {
      const result = await this.mcp.call(peopleSearchTool, officialSearchArgs(args, args.page, args.perPage));
      const total = result.pagination?.total_entries ?? result.total_entries ?? result.people.length;
      return numberedPage(result.people.map(leadFromOfficial), {
        page: args.page,
        perPage: args.perPage,
        totalItems: total,
        totalPages: Math.ceil(total / args.perPage),
      });
    }
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
    const person =
      this.profile() === OFFICIAL_PROFILE
        ? await this.matchOfficial(email, linkedinUrl)
        : (await this.mcp.call(enrichContactTool, args, { idempotencyKey: idempotencyKey('enrich-contact', args) }))
            .person;
    const domain = person.organization?.domain ?? null;
    // Enrichment can reveal an email that cached account contacts do not show yet.
    if (domain) this.invalidateAccount(domain);
    publish(this.events, new ApolloContactEnriched(person.id, domain, person.emailStatus));
    return person;
  }

  /**
   * Up to 10 people at once, in order, `null` for one Apollo does not know. The official server answers with one bulk
   * match (credits counted); the JetVision contract has no bulk tool, so each person is enriched in turn.
   */
  async enrichContacts(inputs: readonly EnrichContactInput[]): Promise<(ApolloPerson | null)[]> {
    if (this.profile() !== OFFICIAL_PROFILE) {
      const people: (ApolloPerson | null)[] = [];
      for (const input of inputs) {
        people.push(
          await this.enrichContact(input).catch((error: unknown) => {
            if (error instanceof DomainError && error.code === 'not_found') return null;
            throw error;
          }),
        );
      }
      return people;
    }
    const details = inputs.map((input) => ({
      ...(input.email?.trim() ? { email: input.email.trim() } : {}),
      ...(input.linkedinUrl?.trim() ? { linkedin_url: input.linkedinUrl.trim() } : {}),
    }));
    const result = await this.mcp.call(
      peopleBulkMatchTool,
      { details },
      { idempotencyKey: idempotencyKey(peopleBulkMatchTool.name, details) },
    );
    this.metrics.recordCredits(peopleBulkMatchTool.name, result.credits_consumed);
    return details.map((_, k) => {
      const match = result.matches[k];
      if (!match) return null;
      const person = personFromOfficial(match);
      const domain = person.organization?.domain ?? null;
      if (domain) this.invalidateAccount(domain);
      publish(this.events, new ApolloContactEnriched(person.id, domain, person.emailStatus));
      return person;
    });
  }

  /** People match on the official server: a miss is `person: null` there, a 404 here as with the JetVision tool. */
  private async matchOfficial(email: string | undefined, linkedinUrl: string | undefined): Promise<ApolloPerson> {
    const args = { ...(email ? { email } : {}), ...(linkedinUrl ? { linkedin_url: linkedinUrl } : {}) };
    const result = await this.mcp.call(peopleMatchTool, args, {
      idempotencyKey: idempotencyKey(peopleMatchTool.name, args),
    });
    this.metrics.recordCredits(peopleMatchTool.name, result.credits_consumed);
    if (!result.person) throw apolloNotFound('person', email ?? linkedinUrl ?? '', peopleMatchTool.name);
    return personFromOfficial(result.person);
  }

  /** Organization data by domain (cached in `apollo.account`); unknown domain → 404. */
  async getAccountData(domain: string, options: { includeContacts?: boolean } = {}): Promise<ApolloOrganization> {
    const normalized = normalizeDomain(domain);
    const includeContacts = options.includeContacts ?? true;
    if (this.profile() === OFFICIAL_PROFILE) {
      // Organization enrichment carries no contacts; listing them would need a people search (no emails), so the
      // official profile answers the organization alone rather than a contact list that looks complete.
      return this.cache.getOrLoad(APOLLO_ACCOUNT_CACHE, `${normalized}|official`, async () => {
        const result = await this.mcp.call(organizationEnrichTool, { domain: normalized });
        this.metrics.recordCredits(organizationEnrichTool.name, result.credits_consumed);
        if (!result.organization) throw apolloNotFound('organization', normalized, organizationEnrichTool.name);
        return organizationFromOfficial(result.organization, normalized);
      });
    }
    return this.cache.getOrLoad(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=${includeContacts}`, async () => {
      const { organization } = await this.mcp.call(getAccountDataTool, { domain: normalized, includeContacts });
      for (const contact of organization.contacts ?? []) this.contactDomains.set(contact.id, organization.domain);
      return organization;
    });
  }

  /**
   * Creates an active sequence; `contacts` are Apollo contact ids and/or emails. Recorded as an intent first and
   * completed with its audit entry (the local record of an Apollo change). Apollo cannot be asked for a sequence
   * again, so the intent keeps its answer: when the audit write fails the caller gets 503 and sending the same request
   * again returns that sequence instead of creating a second one.
   */
  async createSequence(input: CreateSequenceInput): Promise<ApolloSequence> {
    this.requireJetvision('create sequence');
    const contactIds = input.contacts.filter((c) => CONTACT_ID.test(c));
    const emails = input.contacts.filter((c) => !CONTACT_ID.test(c));
    const args = {
      name: input.name,
      ...(contactIds.length ? { contactIds } : {}),
      ...(emails.length ? { emails } : {}),
      steps: input.steps.map((s) => ({
        delayDays: s.delayDays,
        subject: s.subject,
        ...(s.template !== undefined ? { template: s.template } : {}),
      })),
    };
    return this.mutations.run(
      {
        upstream: 'apollo',
        operation: CREATE_SEQUENCE_OPERATION,
        idempotencyKey: randomUUID(),
        resumeOpen: true,
        subject: input.name,
        // Emails are contact details: counts and a digest tell one request from another.
        summary: {
          name: input.name,
          contacts: input.contacts.length,
          steps: input.steps.length,
          requestDigest: digest(args),
        },
      },
      {
        call: async () => (await this.mcp.call(createEmailSequenceTool, args)).sequence,
        refOf: (sequence) => sequence.id,
        keep: (sequence) => sequence,
        lookup: (id, kept) => Promise.resolve(restoreKept(sequenceSchema, kept, `sequence ${id}`)),
        store: (sequence) => this.recordSequenceCreated(sequence),
      },
    );
  }

  /**
   * Adds contacts (ids) to an active sequence; ones already in it are counted, not duplicated. Through an intent like
   * `createSequence`: the same request again returns the counts of the first answer.
   */
  async addContactsToSequence(sequenceId: string, contactIds: readonly string[]): Promise<ContactsAddedResult> {
    this.requireJetvision('add contacts to sequence');
    const args = { sequenceId, contactIds: [...contactIds] };
    return this.mutations.run(
      {
        upstream: 'apollo',
        operation: ADD_CONTACTS_OPERATION,
        idempotencyKey: randomUUID(),
        resumeOpen: true,
        subject: sequenceId,
        summary: { contactIds: args.contactIds },
      },
      {
        call: () => this.callAddContacts(args),
        refOf: (result) => result.sequenceId,
        keep: (result) => result,
        lookup: (id, kept) =>
          Promise.resolve(restoreKept(addContactsToSequenceTool.result, kept, `contacts added to sequence ${id}`)),
        store: (result) => this.recordContactsAdded(args.contactIds, result),
      },
    );
  }

  private callAddContacts(args: { sequenceId: string; contactIds: string[] }): Promise<ContactsAddedResult> {
    return this.mcp.call(addContactsToSequenceTool, args, {
      idempotencyKey: idempotencyKey('add-contacts-to-sequence', args),
    });
  }

  private async recordSequenceCreated(sequence: ApolloSequence): Promise<ApolloSequence> {
    const event = new ApolloSequenceCreated({
      id: sequence.id,
      name: sequence.name,
      contactCount: sequence.contactCount,
      stepCount: sequence.steps.length,
      status: sequence.status,
    });
    await this.audit.recordEvent(event);
    publish(this.events, event);
    return sequence;
  }

  private async recordContactsAdded(contactIds: string[], result: ContactsAddedResult): Promise<ContactsAddedResult> {
    const event = new ApolloContactsAddedToSequence(result.sequenceId, contactIds, {
      added: result.added,
      alreadyPresent: result.alreadyPresent,
      contactCount: result.contactCount,
    });
    await this.audit.recordEvent(event);
    publish(this.events, event);
    return result;
  }

  /** A sequence created upstream whose audit entry was not written: recorded from the kept answer. */
  private async reconcileSequenceCreated(intent: UpstreamMutation): Promise<ReconcileOutcome> {
    const kept = sequenceSchema.safeParse(intent.result);
    if (intent.resultRef === null || !kept.success) {
      // No read tool to ask by name: what happened is unknowable here.
      return {
        kind: 'failed',
        reason: `Apollo's answer was not kept and Apollo cannot be asked for sequences; look for "${intent.subject ?? '?'}" in Apollo`,
      };
    }
    await this.recordSequenceCreated(kept.data);
    return { kind: 'reconciled', resultRef: kept.data.id };
  }

  /** Adding contacts is idempotent upstream: without a kept answer, adding them again tells the outcome. */
  private async reconcileContactsAdded(intent: UpstreamMutation): Promise<ReconcileOutcome> {
    const contactIds = z.array(z.string()).safeParse(intent.requestSummary['contactIds']);
    if (intent.subject === null || !contactIds.success)
      return { kind: 'failed', reason: 'the intent names no contacts' };
    const kept = addContactsToSequenceTool.result.safeParse(intent.result);
    const result = kept.success
      ? kept.data
      : await this.callAddContacts({ sequenceId: intent.subject, contactIds: contactIds.data });
    await this.recordContactsAdded(contactIds.data, result);
    return { kind: 'reconciled', resultRef: result.sequenceId };
  }

  /** Engagement of a sequence for emails sent between two dates (YYYY-MM-DD, inclusive). */
  async trackEngagement(sequenceId: string, startDate: string, endDate: string): Promise<ApolloEngagement> {
    this.requireJetvision('track engagement');
    return this.mcp.call(trackEngagementTool, { sequenceId, startDate, endDate });
  }

  /** Drops cached account data of a domain (with and without contacts). */
  invalidateAccount(domain: string): void {
    const normalized = normalizeDomain(domain);
    this.cache.invalidate(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=true`);
    this.cache.invalidate(APOLLO_ACCOUNT_CACHE, `${normalized}|contacts=false`);
    this.cache.invalidate(APOLLO_ACCOUNT_CACHE, `${normalized}|official`);
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
