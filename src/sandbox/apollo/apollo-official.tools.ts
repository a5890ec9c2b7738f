import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { EMPLOYEE_RANGE_NAMES } from './apollo-reference.data.js';
import {
  type Contact,
  type EnrichedPerson,
  renderContact,
  renderEnriched,
  renderLead,
  searchLeads,
} from './apollo.queries.js';
import {
  at,
  createContact,
  findByEmail,
  findById,
  findByLinkedin,
  normalizeDomain,
  touch,
  type ApolloState,
} from './apollo.state.js';

/*
 * The "official" Apollo tool profile: the tools Apollo's hosted MCP server (https://mcp.apollo.io/mcp) offers, named
 * after its REST endpoints, with snake_case inputs and results shaped like the REST responses. Shapes follow Apollo's
 * API reference (https://docs.apollo.io/reference/people-api-search, .../people-enrichment,
 * .../bulk-people-enrichment, .../organization-enrichment, .../create-a-contact, .../search-for-sequences) and the
 * tool list of the hosted server (https://www.developersdigest.tech/mcp-servers/apollo). The data is the same
 * deterministic dataset the JetVision profile serves; only the tools and shapes differ.
 */

function ok(structuredContent: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

function fail(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

const stringList = z.array(z.string().trim().min(1)).optional();

/** Apollo writes employee ranges as `51,200` (and `10001,` for the open end); the dataset uses `51-200`. */
const RANGE_BY_APOLLO = new Map(EMPLOYEE_RANGE_NAMES.map((r) => [r.replace('-', ',').replace('+', ','), r]));

const peopleSearchInput = z.object({
  person_titles: stringList.describe('Job titles; the sandbox matches the first'),
  person_locations: stringList.describe('Where the person lives (city, state, country); the sandbox matches the first'),
  organization_num_employees_ranges: z
    .array(z.string())
    .optional()
    .describe('Employee ranges as "min,max", e.g. "51,200"; the sandbox matches the first'),
  q_organization_keyword_tags: stringList.describe('Organization keywords (industry); the sandbox matches the first'),
  page: z.number().int().min(1).max(500).default(1),
  per_page: z.number().int().min(1).max(100).default(10),
});

const personIdentifier = z.object({
  id: z.string().optional(),
  email: z.string().optional(),
  linkedin_url: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  domain: z.string().optional(),
});

const peopleMatchInput = personIdentifier.extend({
  reveal_personal_emails: z.boolean().optional(),
  reveal_phone_number: z.boolean().optional(),
});

const bulkMatchInput = z.object({
  details: z.array(personIdentifier).min(1).max(10),
  reveal_personal_emails: z.boolean().optional(),
  reveal_phone_number: z.boolean().optional(),
});

const organizationEnrichInput = z.object({ domain: z.string().trim().min(1) });

const contactCreateInput = z.object({
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.email(),
  title: z.string().optional(),
  organization_name: z.string().optional(),
  run_dedupe: z.boolean().optional(),
});

const campaignsSearchInput = z.object({
  q_name: z.string().optional(),
  page: z.number().int().min(1).default(1),
  per_page: z.number().int().min(1).max(100).default(25),
});

/** An Apollo organization as the people endpoints embed it. */
function organizationOf(person: Contact): Record<string, unknown> | null {
  const org = person.organization;
  if (!org) return null;
  return {
    id: org.id,
    name: org.name,
    primary_domain: org.domain,
    industry: org.industry,
    estimated_num_employees: org.employeeCount,
  };
}

function personOf(person: Contact | EnrichedPerson, revealed: boolean): Record<string, unknown> {
  return {
    id: person.id,
    first_name: person.firstName,
    last_name: person.lastName,
    name: person.name,
    title: person.title,
    seniority: person.seniority,
    departments: person.departments,
    linkedin_url: person.linkedinUrl,
    city: person.location.city,
    state: person.location.state,
    country: person.location.country,
    organization_id: person.organization?.id ?? null,
    organization: organizationOf(person),
    updated_at: person.updatedAt,
    ...(revealed
      ? {
          email: person.email,
          email_status: person.emailStatus,
          phone_numbers: person.phone ? [{ raw_number: person.phone, sanitized_number: person.phone }] : [],
          employment_history:
            'employmentHistory' in person
              ? person.employmentHistory.map((e) => ({
                  organization_name: e.organizationName,
                  title: e.title,
                  start_date: e.startDate,
                  end_date: e.endDate,
                  current: e.current,
                }))
              : [],
        }
      : { has_email: person.emailStatus !== 'unavailable' }),
  };
}

/** Registers the official profile's tools on one session's McpServer. */
export function registerApolloOfficialTools(server: McpServer, state: ApolloState, context: SandboxToolContext): void {
  const nowMs = (): number => context.now().getTime();

  /** Enrichment reveals email and phone once; the first reveal is a change a sync must see. */
  const enrich = (i: number): EnrichedPerson => {
    if (!state.enriched.has(i)) {
      state.enriched.add(i);
      touch(state, i, nowMs());
      context.emit('lead_updated', {
        lead: renderContact(state, i),
        changedFields: ['email', 'phone', 'enriched'],
        source: 'enrichment',
      });
    }
    return renderEnriched(state, i);
  };

  const match = (detail: z.infer<typeof personIdentifier>): number | undefined => {
    let i = detail.id ? findById(state, detail.id) : undefined;
    if (i === undefined && detail.email) i = findByEmail(state, detail.email);
    if (i === undefined && detail.linkedin_url) i = findByLinkedin(state, detail.linkedin_url);
    return i;
  };

  server.registerTool(
    'apollo_mixed_people_api_search',
    {
      title: 'People API Search',
      description:
        "Search Apollo's people database by title, location and company filters. Spends no credits and returns no " +
        'emails or phone numbers (enrich with apollo_people_match).',
      inputSchema: peopleSearchInput,
      annotations: { readOnlyHint: true },
    },
    (input) => {
      const range = input.organization_num_employees_ranges?.[0];
      const companySize = range === undefined ? undefined : RANGE_BY_APOLLO.get(range.replace(/\s/g, ''));
      if (range !== undefined && companySize === undefined) {
        return fail(`organization_num_employees_ranges: "${range}" is not a range like "51,200"`);
      }
      const criteria = {
        jobTitle: input.person_titles?.[0],
        location: input.person_locations?.[0],
        industry: input.q_organization_keyword_tags?.[0],
        companySize,
      };
      const { indexes, total } = searchLeads(state, criteria, input.page, input.per_page);
      const people = indexes.map((i) => {
        const lead = renderLead(state, i);
        return personOf(
          {
            ...lead,
            email: null,
            emailStatus: lead.hasEmail ? 'verified' : 'unavailable',
            phone: null,
            enriched: false,
            deleted: false,
          },
          false,
        );
      });
      const pagination = {
        page: input.page,
        per_page: input.per_page,
        total_entries: total,
        total_pages: Math.ceil(total / input.per_page),
      };
      return ok(
        { total_entries: total, pagination, people },
        `${total} people match; page ${input.page} of ${pagination.total_pages}`,
      );
    },
  );

  server.registerTool(
    'apollo_people_match',
    {
      title: 'People Enrichment',
      description:
        'Match one person by id, email or LinkedIn URL and reveal email, phone and employment history. Spends credits ' +
        'when a person is matched; no match answers person: null.',
      inputSchema: peopleMatchInput,
    },
    (input) => {
      const i = match(input);
      if (i === undefined) return ok({ person: null }, 'No person matched');
      const person = enrich(i);
      return ok(
        { person: personOf(person, true) },
        `${person.name}: ${person.email ?? 'no email'} (${person.emailStatus})`,
      );
    },
  );

  server.registerTool(
    'apollo_people_bulk_match',
    {
      title: 'Bulk People Enrichment',
      description:
        'Match up to 10 people in one call; matches[i] answers details[i] (null for a miss). One credit per matched ' +
        'person, reported in credits_consumed.',
      inputSchema: bulkMatchInput,
    },
    (input) => {
      const matches = input.details.map((detail) => {
        const i = match(detail);
        return i === undefined ? null : personOf(enrich(i), true);
      });
      const found = matches.filter((m) => m !== null).length;
      return ok(
        {
          status: 'success',
          matches,
          total_requested_enrichments: input.details.length,
          unique_enriched_records: found,
          missing_records: input.details.length - found,
          credits_consumed: found,
        },
        `${found} of ${input.details.length} matched; ${found} credits consumed`,
      );
    },
  );

  server.registerTool(
    'apollo_organizations_enrich',
    {
      title: 'Organization Enrichment',
      description: 'Enrich one organization by its domain. An unknown domain answers organization: null.',
      inputSchema: organizationEnrichInput,
      annotations: { readOnlyHint: true },
    },
    ({ domain }) => {
      const orgIdx = state.orgByDomain.get(normalizeDomain(domain));
      if (orgIdx === undefined) return ok({ organization: null }, `No organization for ${normalizeDomain(domain)}`);
      const o = at(state.orgs, orgIdx);
      const organization = {
        id: o.id,
        name: o.name,
        primary_domain: o.domain,
        website_url: o.websiteUrl,
        linkedin_url: o.linkedinUrl,
        phone: o.phone,
        industry: o.industry,
        estimated_num_employees: o.employeeCount,
        annual_revenue: o.annualRevenue,
        founded_year: o.foundedYear,
        city: o.headquarters.city,
        state: o.headquarters.state,
        country: o.headquarters.country,
        technology_names: [...o.technologies],
      };
      return ok({ organization }, `${o.name} (${o.domain}): ${o.industry}, ${o.employeeCount} employees`);
    },
  );

  server.registerTool(
    'apollo_contacts_create',
    {
      title: 'Create a Contact',
      description:
        'Add a contact to the Apollo workspace. Apollo does not deduplicate unless run_dedupe is true; the sandbox ' +
        'returns the existing person for a known email either way, since its people are keyed by email.',
      inputSchema: contactCreateInput,
    },
    ({ email }) => {
      let i = findByEmail(state, email);
      if (i === undefined) {
        i = createContact(state, email, nowMs());
        context.emit('lead_created', { lead: renderContact(state, i), source: 'contact' });
      }
      const contact = renderContact(state, i, true);
      return ok({ contact: personOf(contact, true) }, `Contact ${contact.name} [${contact.id}]`);
    },
  );

  server.registerTool(
    'apollo_emailer_campaigns_search',
    {
      title: 'Search for Sequences',
      description: 'Sequences (emailer campaigns) of the workspace, optionally filtered by name.',
      inputSchema: campaignsSearchInput,
      annotations: { readOnlyHint: true },
    },
    ({ q_name, page, per_page }) => {
      const all = [...state.sequences.values()].filter(
        (s) => q_name === undefined || s.name.toLowerCase().includes(q_name.toLowerCase()),
      );
      const emailer_campaigns = all.slice((page - 1) * per_page, page * per_page).map((s) => ({
        id: s.id,
        name: s.name,
        active: s.status === 'active',
        archived: false,
        num_steps: s.steps.length,
        created_at: new Date(s.createdAt).toISOString(),
      }));
      const pagination = {
        page,
        per_page,
        total_entries: all.length,
        total_pages: Math.ceil(all.length / per_page),
      };
      return ok({ emailer_campaigns, pagination }, `${all.length} sequences`);
    },
  );
}
