import { z } from 'zod';
import { defineTool } from '../../common/mcp/tool-contract.js';
import {
  type ApolloLead,
  type ApolloOrganization,
  type ApolloPerson,
  EMPLOYEE_RANGES,
  type EmployeeRange,
  type LeadCriteria,
} from './apollo.contracts.js';

/*
 * The `official` profile: tools of Apollo's hosted MCP server (https://mcp.apollo.io/mcp), named after its REST
 * endpoints, with snake_case inputs and REST-shaped results. Shapes follow Apollo's API reference:
 * https://docs.apollo.io/reference/people-api-search, https://docs.apollo.io/reference/people-enrichment,
 * https://docs.apollo.io/reference/bulk-people-enrichment, https://docs.apollo.io/reference/organization-enrichment.
 * Results are parsed loosely (fields Apollo adds are kept, absent optional ones tolerated) and mapped onto the
 * module's camelCase types, so the service answers the same shapes whichever profile the server speaks.
 */

export const OFFICIAL_PROFILE = 'official';
export const JETVISION_PROFILE = 'jetvision';
export type ApolloProfileName = typeof OFFICIAL_PROFILE | typeof JETVISION_PROFILE;

const text = z.string().nullish();

const officialOrganization = z
  .object({
    id: text,
    name: text,
    primary_domain: text,
    website_url: text,
    linkedin_url: text,
    phone: text,
    industry: text,
    estimated_num_employees: z.number().nullish(),
    annual_revenue: z.number().nullish(),
    founded_year: z.number().nullish(),
    city: text,
    state: text,
    country: text,
    technology_names: z.array(z.string()).nullish(),
  })
  .loose();

const officialPerson = z
  .object({
    id: z.string(),
    first_name: text,
    last_name: text,
    /** People search shows last names obfuscated (`Sm***h`). */
    last_name_obfuscated: text,
    name: text,
    title: text,
    seniority: text,
    departments: z.array(z.string()).nullish(),
    linkedin_url: text,
    city: text,
    state: text,
    country: text,
    has_email: z.boolean().nullish(),
    email: text,
    email_status: text,
    phone_numbers: z.array(z.object({ raw_number: text, sanitized_number: text }).loose()).nullish(),
    employment_history: z
      .array(
        z
          .object({
            organization_name: text,
            title: text,
            start_date: text,
            end_date: text,
            current: z.boolean().nullish(),
          })
          .loose(),
      )
      .nullish(),
    organization: officialOrganization.nullish(),
    updated_at: text,
    last_refreshed_at: text,
  })
  .loose();
export type OfficialPerson = z.infer<typeof officialPerson>;

const pagination = z
  .object({ page: z.number().int(), per_page: z.number().int(), total_entries: z.number().int() })
  .loose();

/** Credits Apollo reports as spent by a call (bulk enrichment reports them; single match may not). */
const credits = { credits_consumed: z.number().nullish() };

export const peopleSearchTool = defineTool({
  server: 'apollo',
  profile: OFFICIAL_PROFILE,
  name: 'apollo_mixed_people_api_search',
  mode: 'read',
  input: z.custom<{
    person_titles?: string[];
    person_locations?: string[];
    organization_num_employees_ranges?: string[];
    q_organization_keyword_tags?: string[];
    page: number;
    per_page: number;
  }>(),
  // Apollo puts total_entries in `pagination` on some endpoints and at the top level on others: accept both.
  result: z
    .object({
      people: z.array(officialPerson),
      total_entries: z.number().int().nullish(),
      pagination: pagination.nullish(),
    })
    .loose(),
});

type PersonIdentifier = { id?: string; email?: string; linkedin_url?: string };

export const peopleMatchTool = defineTool({
  server: 'apollo',
  profile: OFFICIAL_PROFILE,
  name: 'apollo_people_match',
  // Like enrich-contact: spends credits once and reveals data, so repeated only with an idempotency key.
  mode: 'write',
  input: z.custom<PersonIdentifier>(),
  result: z.object({ person: officialPerson.nullable(), ...credits }).loose(),
});

export const peopleBulkMatchTool = defineTool({
  server: 'apollo',
  profile: OFFICIAL_PROFILE,
  name: 'apollo_people_bulk_match',
  mode: 'write',
  input: z.custom<{ details: PersonIdentifier[] }>(),
  result: z.object({ matches: z.array(officialPerson.nullable()), ...credits }).loose(),
});

export const organizationEnrichTool = defineTool({
  server: 'apollo',
  profile: OFFICIAL_PROFILE,
  name: 'apollo_organizations_enrich',
  mode: 'read',
  input: z.custom<{ domain: string }>(),
  result: z.object({ organization: officialOrganization.nullable(), ...credits }).loose(),
});

export const APOLLO_OFFICIAL_TOOLS = [
  peopleSearchTool,
  peopleMatchTool,
  peopleBulkMatchTool,
  organizationEnrichTool,
] as const;

// ---- mapping ---------------------------------------------------------------------------------------------------------

/** Apollo writes employee ranges as `51,200` (`10001,` for the open end). */
export function officialEmployeeRange(range: EmployeeRange): string {
  return range.replace('-', ',').replace('+', ',');
}

function rangeOf(count: number | null | undefined): string {
  if (count === null || count === undefined) return '';
  for (const range of EMPLOYEE_RANGES) {
    const [min = '0', max] = range.replace('+', '-').split('-');
    if (count >= Number(min) && (max === undefined || max === '' || count <= Number(max))) return range;
  }
  return '';
}

export function officialSearchArgs(criteria: LeadCriteria, page: number, perPage: number) {
  return {
    ...(criteria.jobTitle ? { person_titles: [criteria.jobTitle] } : {}),
    ...(criteria.location ? { person_locations: [criteria.location] } : {}),
    ...(criteria.companySize
      ? { organization_num_employees_ranges: [officialEmployeeRange(criteria.companySize)] }
      : {}),
    ...(criteria.industry ? { q_organization_keyword_tags: [criteria.industry] } : {}),
    page,
    per_page: perPage,
  };
}

function organizationSummaryOf(org: OfficialPerson['organization']): ApolloLead['organization'] {
  // Without a domain the organization cannot be looked up again; people search may show only the name.
  if (!org?.primary_domain) return null;
  return {
    id: org.id ?? '',
    name: org.name ?? org.primary_domain,
    domain: org.primary_domain,
    industry: org.industry ?? '',
    employeeCount: org.estimated_num_employees ?? 0,
    employeeRange: rangeOf(org.estimated_num_employees),
  };
}

export function leadFromOfficial(person: OfficialPerson): ApolloLead {
  const firstName = person.first_name ?? '';
  const lastName = person.last_name ?? person.last_name_obfuscated ?? '';
  return {
    id: person.id,
    firstName,
    lastName,
    name: person.name ?? `${firstName} ${lastName}`.trim(),
    title: person.title ?? null,
    seniority: person.seniority ?? null,
    departments: person.departments ?? [],
    linkedinUrl: person.linkedin_url ?? null,
    location: { city: person.city ?? '', state: person.state ?? '', country: person.country ?? '' },
    organization: organizationSummaryOf(person.organization),
    hasEmail: person.has_email ?? Boolean(person.email),
    updatedAt: person.updated_at ?? person.last_refreshed_at ?? '',
  };
}

function emailStatusOf(person: OfficialPerson): ApolloPerson['emailStatus'] {
  if (!person.email || person.email_status === 'unavailable') return 'unavailable';
  return person.email_status === 'verified' ? 'verified' : 'unverified';
}

export function personFromOfficial(person: OfficialPerson): ApolloPerson {
  const phone = person.phone_numbers?.[0];
  return {
    ...leadFromOfficial(person),
    hasEmail: Boolean(person.email),
    email: person.email ?? null,
    emailStatus: emailStatusOf(person),
    phone: phone?.sanitized_number ?? phone?.raw_number ?? null,
    enriched: true,
    deleted: false,
    employmentHistory: (person.employment_history ?? []).map((e) => ({
      organizationName: e.organization_name ?? '',
      title: e.title ?? '',
      startDate: e.start_date ?? '',
      endDate: e.end_date ?? null,
      current: e.current ?? false,
    })),
  };
}

export function organizationFromOfficial(
  org: z.infer<typeof officialOrganization>,
  domain: string,
): ApolloOrganization {
  return {
    id: org.id ?? '',
    name: org.name ?? domain,
    domain: org.primary_domain ?? domain,
    industry: org.industry ?? '',
    employeeCount: org.estimated_num_employees ?? 0,
    employeeRange: rangeOf(org.estimated_num_employees),
    websiteUrl: org.website_url ?? '',
    linkedinUrl: org.linkedin_url ?? '',
    phone: org.phone ?? '',
    annualRevenue: org.annual_revenue ?? 0,
    foundedYear: org.founded_year ?? 0,
    headquarters: { city: org.city ?? '', state: org.state ?? '', country: org.country ?? '' },
    technologies: org.technology_names ?? [],
  };
}
