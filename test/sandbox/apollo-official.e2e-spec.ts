import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { connectClient, type TestClient } from './support/sandbox-client.js';

interface Person {
  id: string;
  name: string;
  title: string | null;
  linkedin_url: string | null;
  organization: { primary_domain: string; industry: string; estimated_num_employees: number } | null;
  has_email?: boolean;
  email?: string | null;
  email_status?: string;
}

/** The official profile: Apollo's hosted MCP server's tools over the same seeded data as the JetVision profile. */
describe('apollo sandbox, official profile', () => {
  let official: SandboxServerHandle;
  let jetvision: SandboxServerHandle;
  let c: TestClient;
  let j: TestClient;

  beforeAll(async () => {
    const now = new Date('2026-06-15T09:00:00.000Z');
    official = await startSandboxServer('apollo', { seed: 42, now, profile: 'official' });
    jetvision = await startSandboxServer('apollo', { seed: 42, now });
    c = await connectClient(official.url);
    j = await connectClient(jetvision.url);
  });

  afterAll(async () => {
    await c.close();
    await j.close();
    await official.close();
    await jetvision.close();
  });

  it('lists the official tools and none of the JetVision contract', async () => {
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'apollo_contacts_create',
      'apollo_emailer_campaigns_search',
      'apollo_mixed_people_api_search',
      'apollo_organizations_enrich',
      'apollo_people_bulk_match',
      'apollo_people_match',
    ]);
  });

  it('searches the same people as the JetVision profile, without emails', async () => {
    const result = await c.json<{ total_entries: number; people: Person[]; pagination: { total_pages: number } }>(
      'apollo_mixed_people_api_search',
      { person_titles: ['executive assistant'], organization_num_employees_ranges: ['51,200'], per_page: 5 },
    );
    const same = await j.json<{ leads: { id: string }[]; pagination: { totalEntries: number } }>('search-leads', {
      jobTitle: 'executive assistant',
      companySize: '51-200',
      perPage: 5,
    });
    expect(result.total_entries).toBe(same.pagination.totalEntries);
    expect(result.people.map((p) => p.id)).toEqual(same.leads.map((l) => l.id));
    for (const person of result.people) {
      expect(person).not.toHaveProperty('email');
      expect(typeof person.has_email).toBe('boolean');
    }
    const bad = await c.call('apollo_mixed_people_api_search', { organization_num_employees_ranges: ['lots'] });
    expect(bad.isError).toBe(true);
  });

  it('matches one person, bulk matches with credits, and answers null for a miss', async () => {
    const search = await c.json<{ people: Person[] }>('apollo_mixed_people_api_search', {
      person_titles: ['ceo'],
      per_page: 2,
    });
    const [first, second] = search.people;
    const one = await c.json<{ person: Person }>('apollo_people_match', { id: first!.id });
    expect(one.person.id).toBe(first!.id);
    expect(one.person).toHaveProperty('email_status');
    expect(await c.json('apollo_people_match', { email: 'nobody@nowhere.invalid' })).toEqual({ person: null });

    const bulk = await c.json<{ matches: (Person | null)[]; credits_consumed: number; missing_records: number }>(
      'apollo_people_bulk_match',
      { details: [{ id: second!.id }, { email: 'nobody@nowhere.invalid' }] },
    );
    expect(bulk.matches[0]?.id).toBe(second!.id);
    expect(bulk.matches[1]).toBeNull();
    expect(bulk).toMatchObject({ credits_consumed: 1, missing_records: 1 });
  });

  it('enriches an organization by domain and answers null for an unknown one', async () => {
    const search = await c.json<{ people: Person[] }>('apollo_mixed_people_api_search', {
      person_titles: ['ceo'],
      per_page: 1,
    });
    const domain = search.people[0]!.organization!.primary_domain;
    const { organization } = await c.json<{ organization: { primary_domain: string; founded_year: number } }>(
      'apollo_organizations_enrich',
      { domain: `https://www.${domain}/about` },
    );
    expect(organization.primary_domain).toBe(domain);
    expect(await c.json('apollo_organizations_enrich', { domain: 'unknown.invalid' })).toEqual({ organization: null });
  });
});
