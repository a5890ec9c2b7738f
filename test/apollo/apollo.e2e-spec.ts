import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { ApolloLeadUpdated } from '../../src/modules/apollo/apollo.events.js';
import { type ApolloProfile, startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { publishAndWait } from '../../src/common/events/publish.js';

interface Lead {
  id: string;
  name: string;
  linkedinUrl: string | null;
  organization: { domain: string; name: string } | null;
}
interface LeadPage {
  items: Lead[];
  page: { page: number; perPage: number; totalItems: number; totalPages: number };
}
interface Problem {
  status: number;
  detail: string;
  server?: string;
  errors?: { field: string; rule: string; message: string }[];
}

function callsOf(handle: SandboxServerHandle, tool: string): number {
  return handle.stats().calls[tool] ?? 0;
}

async function metric(app: TestApp, name: string, namespace: string): Promise<number> {
  const text = await (await app.request('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{namespace="${namespace}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function expectFieldProblem(response: Response, field: string, rule: string): Promise<Problem> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as Problem;
  expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
  return body;
}

/** The tools each profile's server answers an operation with (for call counts and injected faults). */
const TOOLS: Record<ApolloProfile, { search: string; account: string }> = {
  jetvision: { search: 'search-leads', account: 'get-account-data' },
  official: { search: 'apollo_mixed_people_api_search', account: 'apollo_organizations_enrich' },
};

async function creditsSpent(app: TestApp, tool: string): Promise<number> {
  const text = await (await app.request('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`jetvision_apollo_credits_spent_total{tool="${tool}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.each(['jetvision', 'official'] as const)(
  'Apollo REST API over the Apollo MCP server (%s tools)',
  (profile) => {
    const tools = TOOLS[profile];
    let apollo: SandboxServerHandle;
    let app: TestApp;
    let leads: Lead[];
    const today = new Date().toISOString().slice(0, 10);

    beforeAll(async () => {
      apollo = await startSandboxServer('apollo', { port: 0, admin: true, seed: 7, profile });
      app = await startTestApp({ env: { APOLLO_MCP_SERVER_URL: apollo.url, MCP_MAX_RETRIES: '0' } });
      const response = await app.request('/api/integration/leads?jobTitle=CEO&perPage=50');
      expect(response.status).toBe(200);
      leads = ((await response.json()) as LeadPage).items.filter((l) => l.organization && l.linkedinUrl);
      expect(leads.length).toBeGreaterThan(3);
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await apollo?.close();
    });

    it('requires the API key on every route', async () => {
      for (const [path, method] of [
        ['/api/integration/leads?jobTitle=CEO', 'GET'],
        ['/api/integration/contacts/enrich', 'POST'],
        ['/api/integration/accounts/acme.com', 'GET'],
        ['/api/integration/sequences', 'POST'],
      ] as const) {
        const response = await app.request(path, { method, auth: false, ...(method === 'POST' ? { json: {} } : {}) });
        expect(response.status).toBe(401);
      }
    });

    describe('GET /api/integration/leads', () => {
      it('searches and pages by number', async () => {
        const response = await app.request('/api/integration/leads?jobTitle=CEO&companySize=51-200&page=1&perPage=5');
        expect(response.status).toBe(200);
        const body = (await response.json()) as LeadPage;
        expect(body.page).toMatchObject({ page: 1, perPage: 5 });
        expect(body.page.totalItems).toBeGreaterThan(0);
        expect(body.page.totalPages).toBe(Math.ceil(body.page.totalItems / 5));
        expect(body.items.length).toBeLessThanOrEqual(5);
        expect(body.items[0]).toMatchObject({
          id: expect.stringMatching(/^[a-f0-9]{24}$/),
          hasEmail: expect.any(Boolean),
        });
      });

      it('needs at least one criterion, naming the rule', async () => {
        const body = await expectFieldProblem(
          await app.request('/api/integration/leads?page=2'),
          'jobTitle',
          'atLeastOneCriterion',
        );
        expect(body.errors?.[0]?.message).toMatch(/jobTitle, industry, companySize or location/);
      });

      it('rejects page sizes above 100, bad ranges and unknown parameters, naming the field', async () => {
        await expectFieldProblem(
          await app.request('/api/integration/leads?jobTitle=CEO&perPage=101'),
          'perPage',
          'max',
        );
        await expectFieldProblem(await app.request('/api/integration/leads?jobTitle=CEO&page=zero'), 'page', 'isInt');
        await expectFieldProblem(await app.request('/api/integration/leads?companySize=huge'), 'companySize', 'isIn');
        await expectFieldProblem(
          await app.request('/api/integration/leads?jobTitle=CEO&sort=name'),
          'sort',
          'unknownProperty',
        );
      });

      it('surfaces an Apollo tool error as 502 naming apollo', async () => {
        apollo.setFaults({ toolErrorRate: 1, tools: [tools.search] });
        try {
          const response = await app.request('/api/integration/leads?jobTitle=CEO');
          expect(response.status).toBe(502);
          const body = (await response.json()) as Problem;
          expect(body.server).toBe('apollo');
          expect(body.detail).toMatch(/apollo/);
        } finally {
          apollo.clearFaults();
        }
      });
    });

    describe('POST /api/integration/contacts/enrich', () => {
      it('enriches by LinkedIn URL and then by the revealed email', async () => {
        const lead = leads[0]!;
        const byLinkedin = await app.request('/api/integration/contacts/enrich', {
          method: 'POST',
          json: { linkedinUrl: lead.linkedinUrl },
        });
        expect(byLinkedin.status).toBe(200);
        const person = (await byLinkedin.json()) as { id: string; email: string | null; employmentHistory: unknown[] };
        expect(person.id).toBe(lead.id);
        expect(Array.isArray(person.employmentHistory)).toBe(true);
        if (person.email) {
          const byEmail = await app.request('/api/integration/contacts/enrich', {
            method: 'POST',
            json: { email: person.email },
          });
          expect(byEmail.status).toBe(200);
          expect(((await byEmail.json()) as { id: string }).id).toBe(lead.id);
        }
      });

      it('requires email or linkedinUrl and validates them, naming the field', async () => {
        const post = (json: unknown): Promise<Response> =>
          app.request('/api/integration/contacts/enrich', { method: 'POST', json });
        await expectFieldProblem(await post({}), 'email', 'isDefined');
        await expectFieldProblem(await post({ email: 'not-an-email' }), 'email', 'isEmail');
        await expectFieldProblem(await post({ linkedinUrl: 'https://example.com/x' }), 'linkedinUrl', 'matches');
      });

      it('enriches up to 10 people at once, null for one Apollo does not know, and refuses 11', async () => {
        const response = await app.request('/api/integration/contacts/enrich/bulk', {
          method: 'POST',
          json: {
            contacts: [{ linkedinUrl: leads[2]!.linkedinUrl }, { email: 'nobody-at-all@unknown-domain-xyz.com' }],
          },
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { results: ({ id: string; emailStatus: string } | null)[] };
        expect(body.results.map((r) => r?.id ?? null)).toEqual([leads[2]!.id, null]);
        expect(body.results[0]?.emailStatus).toMatch(/verified|unverified|unavailable/);
        const eleven = Array.from({ length: 11 }, () => ({ email: 'a@example.com' }));
        await expectFieldProblem(
          await app.request('/api/integration/contacts/enrich/bulk', { method: 'POST', json: { contacts: eleven } }),
          'contacts',
          'arrayMaxSize',
        );
      });

      it('answers 404 for a person Apollo does not know', async () => {
        const response = await app.request('/api/integration/contacts/enrich', {
          method: 'POST',
          json: { email: 'nobody-at-all@unknown-domain-xyz.com' },
        });
        expect(response.status).toBe(404);
        expect(((await response.json()) as Problem).server).toBe('apollo');
      });
    });

    describe('GET /api/integration/accounts/:domain', () => {
      it('returns the organization with or without contacts', async () => {
        const domain = leads[1]!.organization!.domain;
        const response = await app.request(`/api/integration/accounts/${domain}`);
        expect(response.status).toBe(200);
        const organization = (await response.json()) as { domain: string; contacts?: { id: string }[] };
        expect(organization.domain).toBe(domain);
        // Apollo's organization enrichment carries no contacts: the official profile shows none rather than a partial list.
        if (profile === 'jetvision') expect(organization.contacts?.map((c) => c.id)).toContain(leads[1]!.id);
        else expect(organization).not.toHaveProperty('contacts');
        const lean = await app.request(`/api/integration/accounts/${domain.toUpperCase()}?includeContacts=false`);
        expect(lean.status).toBe(200);
        expect((await lean.json()) as object).not.toHaveProperty('contacts');
      });

      it('validates the domain and the flag, and answers 404 for an unknown domain', async () => {
        await expectFieldProblem(await app.request('/api/integration/accounts/not_a_domain'), 'domain', 'isFqdn');
        await expectFieldProblem(
          await app.request('/api/integration/accounts/acme.com?includeContacts=maybe'),
          'includeContacts',
          'isBoolean',
        );
        expect((await app.request('/api/integration/accounts/no-such-company-xyz.com')).status).toBe(404);
      });

      // The official profile shows no contacts, so a lead change cannot be traced to a cached account there.
      if (profile === 'jetvision')
        it('serves repeats from the cache, counts hits and misses, and drops the entry on a lead change', async () => {
          const lead = leads[2]!;
          const domain = lead.organization!.domain;
          const path = `/api/integration/accounts/${domain}`;
          const upstreamBefore = callsOf(apollo, 'get-account-data');
          const hitsBefore = await metric(app, 'cache_hits_total', 'apollo.account');
          const missesBefore = await metric(app, 'cache_misses_total', 'apollo.account');

          const first = await (await app.request(path)).json();
          const second = await (await app.request(path)).json();
          expect(second).toEqual(first);
          expect(callsOf(apollo, 'get-account-data')).toBe(upstreamBefore + 1);
          expect(await metric(app, 'cache_misses_total', 'apollo.account')).toBe(missesBefore + 1);
          expect(await metric(app, 'cache_hits_total', 'apollo.account')).toBe(hitsBefore + 1);

          // A change to one of its contacts, known only by contact id (the account data told us its organization).
          // As the webhook intake raises it for Apollo's lead_updated (an edit made upstream).
          const change = new ApolloLeadUpdated(
            {
              webhookEventId: 'evt-1',
              source: 'apollo',
              messageId: 'msg_1',
              type: 'lead_updated',
              receivedAt: new Date(),
              occurredAt: null,
              attempt: 0,
            },
            {
              lead: { id: lead.id, updatedAt: new Date().toISOString() },
              changedFields: ['title'],
              source: 'upstream',
            },
          );
          await publishAndWait(app.app.get(EventEmitter2), change);
          await app.request(path);
          expect(callsOf(apollo, 'get-account-data')).toBe(upstreamBefore + 2);
          await app.request(path);
          expect(callsOf(apollo, 'get-account-data')).toBe(upstreamBefore + 2);

          // Enriching one of its people reveals an email the cached contacts lack: the entry is dropped too.
          await app.request('/api/integration/contacts/enrich', {
            method: 'POST',
            json: { linkedinUrl: lead.linkedinUrl },
          });
          await app.request(path);
          expect(callsOf(apollo, 'get-account-data')).toBe(upstreamBefore + 3);
        });
    });

    if (profile === 'jetvision')
      describe('sequences', () => {
        let sequenceId: string;

        it('creates a sequence from contact ids and emails, audited', async () => {
          const response = await app.request('/api/integration/sequences', {
            method: 'POST',
            json: {
              name: 'Q3 charter outreach',
              contacts: [leads[0]!.id, 'new.prospect@example-charter.com'],
              steps: [
                { delayDays: 0, subject: 'Private aviation for your team' },
                { delayDays: 3, subject: 'Following up', template: 'Hi {{firstName}}' },
              ],
            },
          });
          expect(response.status).toBe(201);
          const sequence = (await response.json()) as {
            id: string;
            status: string;
            contactCount: number;
            steps: unknown[];
          };
          expect(sequence).toMatchObject({ status: 'active', contactCount: 2 });
          expect(sequence.steps).toHaveLength(2);
          sequenceId = sequence.id;
          const dataSource = app.app.get(DataSource);
          await eventually(async () => {
            const rows: unknown[] = await dataSource.query(
              `SELECT 1 FROM audit_log WHERE type = 'apollo.sequence_created' AND subject = $1`,
              [sequenceId],
            );
            return rows.length === 1;
          });
        });

        it('validates the sequence body, naming the field', async () => {
          const post = (json: unknown): Promise<Response> =>
            app.request('/api/integration/sequences', { method: 'POST', json });
          const step = { delayDays: 0, subject: 'Hello' };
          await expectFieldProblem(await post({ name: 'x', contacts: [], steps: [step] }), 'contacts', 'arrayNotEmpty');
          await expectFieldProblem(
            await post({ name: 'x', contacts: ['nope'], steps: [step] }),
            'contacts',
            'isContactReference',
          );
          await expectFieldProblem(
            await post({ name: 'x', contacts: ['a@b.com'], steps: [] }),
            'steps',
            'arrayNotEmpty',
          );
          await expectFieldProblem(
            await post({ name: 'x', contacts: ['a@b.com'], steps: [{ delayDays: -1, subject: 'Hi' }] }),
            'steps.0.delayDays',
            'min',
          );
          await expectFieldProblem(await post({ contacts: ['a@b.com'], steps: [step] }), 'name', 'isString');
        });

        it('adds contacts, counting ones already present, audited', async () => {
          const response = await app.request(`/api/integration/sequences/${sequenceId}/contacts`, {
            method: 'POST',
            json: { contactIds: [leads[0]!.id, leads[1]!.id] },
          });
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual({ sequenceId, added: 1, alreadyPresent: 1, contactCount: 3 });
          const dataSource = app.app.get(DataSource);
          await eventually(async () => {
            const rows: unknown[] = await dataSource.query(
              `SELECT 1 FROM audit_log WHERE type = 'apollo.sequence_contacts_added' AND subject = $1`,
              [sequenceId],
            );
            return rows.length === 1;
          });
          await expectFieldProblem(
            await app.request(`/api/integration/sequences/${sequenceId}/contacts`, {
              method: 'POST',
              json: { contactIds: [] },
            }),
            'contactIds',
            'arrayNotEmpty',
          );
          const unknown = await app.request('/api/integration/sequences/ffffffffffffffffffffffff/contacts', {
            method: 'POST',
            json: { contactIds: [leads[0]!.id] },
          });
          expect(unknown.status).toBe(404);
        });

        it('reports engagement over a date range', async () => {
          const response = await app.request(
            `/api/integration/sequences/${sequenceId}/engagement?startDate=${today}&endDate=${today}`,
          );
          expect(response.status).toBe(200);
          const engagement = (await response.json()) as { sent: number; delivered: number; bounced: number };
          expect(engagement).toMatchObject({ sequenceId, startDate: today, endDate: today });
          // The first step goes out at creation to all three contacts.
          expect(engagement.sent).toBe(3);
          expect(engagement.delivered + engagement.bounced).toBe(engagement.sent);
        });

        it('validates the dates: ISO, real, end not before start', async () => {
          const path = `/api/integration/sequences/${sequenceId}/engagement`;
          await expectFieldProblem(
            await app.request(`${path}?startDate=2026-01-10&endDate=2026-01-09`),
            'endDate',
            'isOnOrAfter',
          );
          await expectFieldProblem(
            await app.request(`${path}?startDate=2026-02-30&endDate=2026-03-01`),
            'startDate',
            'isIso8601',
          );
          await expectFieldProblem(
            await app.request(`${path}?startDate=01/02/2026&endDate=2026-03-01`),
            'startDate',
            'matches',
          );
          await expectFieldProblem(await app.request(`${path}?startDate=2026-01-01`), 'endDate', 'isDefined');
          await expectFieldProblem(
            await app.request(
              '/api/integration/sequences/not-an-id/engagement?startDate=2026-01-01&endDate=2026-01-02',
            ),
            'id',
            'matches',
          );
        });
      });

    it('detects the profile from the tool list: the server is up, missing none of its profile', async () => {
      type Status = { servers: Record<string, { state: string; missingTools: string[]; tools: string[] }> };
      const status = (await (await app.request('/api/integration/status')).json()) as Status;
      expect(status.servers['apollo']).toMatchObject({ state: 'up', missingTools: [] });
      const [own, other] =
        profile === 'official' ? ['apollo_people_match', 'enrich-contact'] : ['enrich-contact', 'apollo_people_match'];
      expect(status.servers['apollo']?.tools).toContain(own);
      expect(status.servers['apollo']?.tools).not.toContain(other);
    });

    if (profile === 'official')
      describe('official profile', () => {
        it('answers 422 "not supported by this apollo server" for sequences and engagement, naming the operation', async () => {
          const before = apollo.stats().calls;
          const cases: [string, RequestInit & { json?: unknown }, string][] = [
            [
              '/api/integration/sequences',
              {
                method: 'POST',
                json: { name: 'x', contacts: ['a@example.com'], steps: [{ delayDays: 0, subject: 'Hi' }] },
              },
              'create sequence',
            ],
            [
              '/api/integration/sequences/ffffffffffffffffffffffff/contacts',
              { method: 'POST', json: { contactIds: [leads[0]!.id] } },
              'add contacts to sequence',
            ],
            [
              `/api/integration/sequences/ffffffffffffffffffffffff/engagement?startDate=${today}&endDate=${today}`,
              {},
              'track engagement',
            ],
          ];
          for (const [path, init, operation] of cases) {
            const response = await app.request(path, init);
            expect(response.status).toBe(422);
            expect(response.headers.get('content-type')).toContain('application/problem+json');
            const body = (await response.json()) as Problem & { operation: string; profile: string };
            expect(body).toMatchObject({ server: 'apollo', operation, profile: 'official' });
            expect(body.detail).toContain(`${operation} is not supported by this apollo server`);
          }
          // Nothing was sent upstream: no fake, no half-done call.
          expect(apollo.stats().calls).toEqual(before);
        });

        it('counts the credits Apollo reports as spent', async () => {
          const before = await creditsSpent(app, 'apollo_people_bulk_match');
          const response = await app.request('/api/integration/contacts/enrich/bulk', {
            method: 'POST',
            json: {
              contacts: [{ linkedinUrl: leads[3]!.linkedinUrl }, { email: 'nobody-at-all@unknown-domain-xyz.com' }],
            },
          });
          expect(response.status).toBe(200);
          const body = (await response.json()) as { results: ({ id: string } | null)[] };
          expect(body.results.map((r) => r?.id ?? null)).toEqual([leads[3]!.id, null]);
          expect(await creditsSpent(app, 'apollo_people_bulk_match')).toBe(before + 1);
        });
      });
  },
);
