import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import type { SandboxToolContext } from '../core/sandbox-definition.js';
import {
  decodeCursor,
  encodeCursor,
  engagement,
  InvalidCursorError,
  listChanges,
  rates,
  renderContact,
  renderEnriched,
  renderLead,
  renderOrganization,
  renderSequence,
  searchLeads,
  stepSendTimes,
  type Lead,
} from './apollo.queries.js';
import {
  addContactsInput,
  addContactsOutput,
  createSequenceInput,
  createSequenceOutput,
  enrichContactInput,
  enrichContactOutput,
  getAccountDataInput,
  getAccountDataOutput,
  listContactsInput,
  listContactsOutput,
  searchLeadsInput,
  searchLeadsOutput,
  trackEngagementInput,
  trackEngagementOutput,
} from './apollo.schemas.js';
import {
  createContact,
  findByEmail,
  findById,
  findByLinkedin,
  nextSequenceId,
  normalizeDomain,
  touch,
  type ApolloSequence,
  type ApolloState,
} from './apollo.state.js';

const DAY_MS = 86_400_000;

function ok(structuredContent: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

function fail(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function leadLine(lead: Lead): string {
  const where = [lead.location.city, lead.location.state, lead.location.country].filter(Boolean).join(', ');
  const org = lead.organization ? ` at ${lead.organization.name}` : '';
  return `- ${lead.name}, ${lead.title ?? 'no title'}${org}${where ? ` (${where})` : ''} [${lead.id}]`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Registers the seven Apollo tools of mcp-contracts.md on one session's McpServer. */
export function registerApolloTools(server: McpServer, state: ApolloState, context: SandboxToolContext): void {
  const nowMs = (): number => context.now().getTime();

  server.registerTool(
    'search-leads',
    {
      title: 'Search leads',
      description:
        'Search people by job title, industry, company size (employee range) and location. At least one criterion is ' +
        'required. Like Apollo’s free people search, results carry no email or phone (use enrich-contact).',
      inputSchema: searchLeadsInput,
      outputSchema: z.object(searchLeadsOutput),
      annotations: { readOnlyHint: true },
    },
    ({ jobTitle, industry, companySize, location, page, perPage }) => {
      const { indexes, total } = searchLeads(state, { jobTitle, industry, companySize, location }, page, perPage);
      const leads = indexes.map((i) => renderLead(state, i));
      const totalPages = Math.ceil(total / perPage);
      const text = [`${total} leads match; page ${page} of ${totalPages}:`, ...leads.map(leadLine)].join('\n');
      return ok({ leads, pagination: { page, perPage, totalEntries: total, totalPages } }, text);
    },
  );

  server.registerTool(
    'enrich-contact',
    {
      title: 'Enrich contact',
      description:
        'Look a person up by email or LinkedIn URL and reveal email, phone, seniority, departments and employment ' +
        'history. An unknown person is an error result.',
      inputSchema: enrichContactInput,
      outputSchema: z.object(enrichContactOutput),
    },
    ({ email, linkedinUrl }) => {
      let i = email ? findByEmail(state, email) : undefined;
      if (i === undefined && linkedinUrl) i = findByLinkedin(state, linkedinUrl);
      if (i === undefined) {
        const given = [email && `email ${email}`, linkedinUrl && `LinkedIn URL ${linkedinUrl}`]
          .filter(Boolean)
          .join(' or ');
        return fail(`Person not found: no match for ${given}`);
      }
      if (!state.enriched.has(i)) {
        // The first enrichment reveals email and phone: a change a sync must see, so updatedAt moves.
        state.enriched.add(i);
        touch(state, i, nowMs());
        context.emit('lead_updated', {
          lead: renderContact(state, i),
          changedFields: ['email', 'phone', 'enriched'],
          source: 'enrichment',
        });
      }
      const person = renderEnriched(state, i);
      const text = `${person.name}, ${person.title ?? 'no title'}${person.organization ? ` at ${person.organization.name}` : ''}\nemail: ${person.email ?? 'unavailable'} (${person.emailStatus})\nphone: ${person.phone ?? 'unknown'}`;
      return ok({ person }, text);
    },
  );

  server.registerTool(
    'get-account-data',
    {
      title: 'Get account data',
      description:
        'Organization details by domain: industry, employees, revenue, founding year, headquarters, technologies and contacts.',
      inputSchema: getAccountDataInput,
      outputSchema: z.object(getAccountDataOutput),
      annotations: { readOnlyHint: true },
    },
    ({ domain, includeContacts }) => {
      const orgIdx = state.orgByDomain.get(normalizeDomain(domain));
      if (orgIdx === undefined) return fail(`Organization not found for domain ${normalizeDomain(domain)}`);
      const organization = renderOrganization(state, orgIdx, includeContacts);
      const hq = organization.headquarters;
      const text =
        `${organization.name} (${organization.domain}): ${organization.industry}, ${organization.employeeCount} employees, ` +
        `founded ${organization.foundedYear}, HQ ${hq.city}, ${hq.country}` +
        (organization.contacts ? `; ${organization.contacts.length} contacts` : '');
      return ok({ organization }, text);
    },
  );

  server.registerTool(
    'create-email-sequence',
    {
      title: 'Create email sequence',
      description:
        'Create an active email sequence for contacts given by id and/or email (an unknown email becomes a new contact).',
      inputSchema: createSequenceInput,
      outputSchema: z.object(createSequenceOutput),
    },
    ({ name, contactIds, emails, steps }) => {
      const ids = unique(contactIds ?? []);
      const missing = ids.filter((id) => findById(state, id) === undefined);
      if (missing.length) return fail(`Contacts not found: ${missing.join(', ')}`);
      for (const email of unique(emails ?? [])) {
        let i = findByEmail(state, email);
        if (i === undefined) {
          i = createContact(state, email, nowMs());
          context.emit('lead_created', { lead: renderContact(state, i), source: 'sequence' });
        }
        ids.push(state.ids[i] ?? '');
      }
      const createdAt = nowMs();
      const sequence: ApolloSequence = {
        id: nextSequenceId(state),
        name,
        status: 'active',
        contactIds: unique(ids),
        steps: steps.map((s, k) => ({
          position: k + 1,
          delayDays: s.delayDays,
          subject: s.subject,
          template: s.template ?? null,
        })),
        createdAt,
        updatedAt: createdAt,
        completedAt: null,
      };
      state.sequences.set(sequence.id, sequence);
      const view = renderSequence(sequence);
      return ok(
        { sequence: view },
        `Sequence ${view.name} [${view.id}] created: ${view.contactCount} contacts, ${view.steps.length} steps`,
      );
    },
  );

  server.registerTool(
    'add-contacts-to-sequence',
    {
      title: 'Add contacts to sequence',
      description: 'Add contacts to an active sequence; contacts already in it are counted, not duplicated.',
      inputSchema: addContactsInput,
      outputSchema: z.object(addContactsOutput),
    },
    ({ sequenceId, contactIds }) => {
      const sequence = state.sequences.get(sequenceId);
      if (!sequence) return fail(`Sequence not found: ${sequenceId}`);
      if (sequence.status === 'completed') return fail(`Sequence ${sequenceId} is completed; create a new sequence`);
      const ids = unique(contactIds);
      const missing = ids.filter((id) => findById(state, id) === undefined);
      if (missing.length) return fail(`Contacts not found: ${missing.join(', ')}`);
      const present = new Set(sequence.contactIds);
      const added = ids.filter((id) => !present.has(id));
      sequence.contactIds.push(...added);
      if (added.length) sequence.updatedAt = nowMs();
      const result = {
        sequenceId,
        added: added.length,
        alreadyPresent: ids.length - added.length,
        contactCount: sequence.contactIds.length,
      };
      return ok(
        result,
        `${result.added} added, ${result.alreadyPresent} already present; ${result.contactCount} contacts in sequence`,
      );
    },
  );

  server.registerTool(
    'track-engagement',
    {
      title: 'Track engagement',
      description:
        'Emails of a sequence sent between startDate and endDate (UTC days, inclusive) and what happened to them. ' +
        'A sequence whose last step has gone out is marked completed (and sequence_completed is sent).',
      inputSchema: trackEngagementInput,
      outputSchema: z.object(trackEngagementOutput),
      annotations: { readOnlyHint: false },
    },
    ({ sequenceId, startDate, endDate }) => {
      const sequence = state.sequences.get(sequenceId);
      if (!sequence) return fail(`Sequence not found: ${sequenceId}`);
      const now = nowMs();
      const totals = engagement(state, sequence, Date.parse(startDate), Date.parse(endDate) + DAY_MS - 1, now);
      const lastSend = stepSendTimes(sequence).at(-1) ?? sequence.createdAt;
      if (sequence.status === 'active' && lastSend <= now) {
        sequence.status = 'completed';
        sequence.completedAt = now;
        sequence.updatedAt = now;
        const overall = engagement(state, sequence, 0, Number.MAX_SAFE_INTEGER, now);
        context.emit('sequence_completed', {
          sequence: renderSequence(sequence),
          engagement: { ...overall, rates: rates(overall) },
        });
      }
      const result = {
        sequenceId,
        sequenceStatus: sequence.status,
        startDate,
        endDate,
        ...totals,
        rates: rates(totals),
      };
      return ok(
        result,
        `${sequence.name}: sent ${totals.sent}, delivered ${totals.delivered}, opened ${totals.opened}, clicked ${totals.clicked}, ` +
          `replied ${totals.replied}, bounced ${totals.bounced}, meetings ${totals.meetingsBooked}`,
      );
    },
  );

  server.registerTool(
    'list-contacts',
    {
      title: 'List contacts',
      description:
        'Contacts changed at or after updatedSince, oldest change first in a stable (updatedAt, id) order. Page with ' +
        'nextCursor until it is null; keep syncCursor to resume later. Deleted contacts appear with deleted: true.',
      inputSchema: listContactsInput,
      outputSchema: z.object(listContactsOutput),
      annotations: { readOnlyHint: true },
    },
    ({ updatedSince, cursor, limit }) => {
      let position;
      try {
        position = cursor === undefined ? undefined : decodeCursor(cursor);
      } catch (error) {
        if (error instanceof InvalidCursorError) return fail(error.message);
        throw error;
      }
      const page = listChanges(state, {
        updatedSince: updatedSince === undefined ? undefined : Date.parse(updatedSince),
        cursor: position,
        limit,
      });
      const contacts = page.indexes.map((i) => renderContact(state, i));
      const syncCursor = page.last ? encodeCursor(page.last) : (cursor ?? null);
      return ok(
        { contacts, nextCursor: page.hasMore ? syncCursor : null, hasMore: page.hasMore, syncCursor },
        `${contacts.length} contacts${page.hasMore ? ', more to come' : ', end of changes'}`,
      );
    },
  );
}
