import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { connectClient, resultText, waitFor, type TestClient } from './support/sandbox-client.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

interface Lead {
  id: string;
  name: string;
  title: string | null;
  linkedinUrl: string | null;
  location: { city: string; state: string; country: string };
  organization: { id: string; name: string; domain: string; industry: string; employeeRange: string } | null;
  hasEmail: boolean;
  updatedAt: string;
  email?: string | null;
}
interface Contact extends Lead {
  email: string | null;
  emailStatus: string;
  phone: string | null;
  deleted: boolean;
}
interface SearchResult {
  leads: Lead[];
  pagination: { page: number; perPage: number; totalEntries: number; totalPages: number };
}
interface ListResult {
  contacts: Contact[];
  nextCursor: string | null;
  hasMore: boolean;
  syncCursor: string | null;
}
interface Sequence {
  id: string;
  status: string;
  contactCount: number;
  contactIds: string[];
  steps: { position: number; delayDays: number; subject: string }[];
}

interface Tracking {
  sequenceStatus: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  replied: number;
  bounced: number;
  meetingsBooked: number;
  rates: Record<string, number>;
}

const NOW = new Date('2026-06-15T09:00:00.000Z');
const TODAY = '2026-06-15';

async function adminData(handle: SandboxServerHandle, change: Record<string, unknown>): Promise<Response> {
  return fetch(`${handle.baseUrl}/admin/data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
}

describe('apollo sandbox', () => {
  let handle: SandboxServerHandle;
  let receiver: WebhookReceiver;
  let c: TestClient;

  const events = (type: string): Record<string, unknown>[] =>
    receiver.received
      .map((r) => (r.verified.ok ? (r.verified.payload as { type: string; data: Record<string, unknown> }) : undefined))
      .filter((p) => p?.type === type)
      .map((p) => p!.data);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    handle = await startSandboxServer('apollo', {
      seed: 42,
      now: NOW,
      admin: true,
      webhook: { url: receiver.url, secret: receiver.secret, baseDelayMs: 10 },
    });
    c = await connectClient(handle.url);
  });

  afterAll(async () => {
    await c.close();
    await handle.close();
    await receiver.close();
  });

  it('lists the seven contract tools, each with an output schema', async () => {
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add-contacts-to-sequence',
      'create-email-sequence',
      'enrich-contact',
      'get-account-data',
      'list-contacts',
      'search-leads',
      'track-engagement',
    ]);
    for (const tool of tools) expect(tool.outputSchema).toBeDefined();
  });

  describe('search-leads', () => {
    it('finds people by title, paginates, and shows no emails', async () => {
      const page1 = await c.json<SearchResult>('search-leads', { jobTitle: 'executive assistant', perPage: 10 });
      expect(page1.pagination).toMatchObject({ page: 1, perPage: 10 });
      expect(page1.pagination.totalEntries).toBeGreaterThan(100);
      expect(page1.pagination.totalPages).toBe(Math.ceil(page1.pagination.totalEntries / 10));
      expect(page1.leads).toHaveLength(10);
      for (const lead of page1.leads) {
        expect(lead.title?.toLowerCase()).toContain('executive assistant');
        expect(lead).not.toHaveProperty('email');
        expect(lead.organization?.domain).toMatch(/\./);
      }
      const page2 = await c.json<SearchResult>('search-leads', {
        jobTitle: 'executive assistant',
        perPage: 10,
        page: 2,
      });
      const ids1 = new Set(page1.leads.map((l) => l.id));
      expect(page2.leads.some((l) => ids1.has(l.id))).toBe(false);
      const text = resultText(await c.call('search-leads', { jobTitle: 'executive assistant', perPage: 10 }));
      expect(text).toContain(`${page1.pagination.totalEntries} leads match`);
    });

    it('filters by company size, industry, location and understands CEO', async () => {
      const result = await c.json<SearchResult>('search-leads', {
        jobTitle: 'CEO',
        companySize: '51-200',
        location: 'United States',
        perPage: 100,
      });
      expect(result.leads.length).toBeGreaterThan(0);
      for (const lead of result.leads) {
        expect(lead.title).toMatch(/CEO|Chief Executive Officer/);
        expect(lead.organization?.employeeRange).toBe('51-200');
        expect(lead.location.country).toBe('United States');
      }
      const texas = await c.json<SearchResult>('search-leads', { location: 'TX', industry: 'real estate' });
      for (const lead of texas.leads) {
        expect(lead.location.state).toBe('Texas');
        expect(lead.organization?.industry).toBe('Real Estate');
      }
    });

    it('requires at least one criterion and names invalid fields', async () => {
      const none = await c.call('search-leads', { page: 1 });
      expect(none.isError).toBe(true);
      expect(resultText(none)).toContain('at least one search criterion is required');
      const tooMany = await c.call('search-leads', { jobTitle: 'CEO', perPage: 500 });
      expect(tooMany.isError).toBe(true);
      expect(resultText(tooMany)).toContain('perPage');
      const badSize = await c.call('search-leads', { companySize: 'huge' });
      expect(resultText(badSize)).toContain('companySize');
    });
  });

  describe('enrich-contact and get-account-data', () => {
    it('reveals email, phone and history by LinkedIn URL or email, and emits lead_updated once', async () => {
      const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'travel manager', perPage: 50 });
      const lead = leads.find((l) => l.hasEmail)!;
      const byLinkedin = await c.json<{ person: Contact & { employmentHistory: unknown[] } }>('enrich-contact', {
        linkedinUrl: lead.linkedinUrl!.replace('https://www.', 'http://'),
      });
      expect(byLinkedin.person).toMatchObject({ id: lead.id, emailStatus: expect.any(String), enriched: true });
      expect(byLinkedin.person.email).toMatch(new RegExp(`@${lead.organization!.domain.replace('.', '\\.')}$`));
      expect(byLinkedin.person.phone).toMatch(/^\+\d/);
      expect(byLinkedin.person.employmentHistory[0]).toMatchObject({
        current: true,
        organizationName: lead.organization!.name,
      });
      expect(Date.parse(byLinkedin.person.updatedAt)).toBeGreaterThan(Date.parse(lead.updatedAt));

      const byEmail = await c.json<{ person: Contact }>('enrich-contact', {
        email: byLinkedin.person.email!.toUpperCase(),
      });
      expect(byEmail.person.id).toBe(lead.id);
      expect(byEmail.person.updatedAt).toBe(byLinkedin.person.updatedAt);

      await waitFor(() => events('lead_updated').some((e) => (e.lead as Lead).id === lead.id), 5_000, 'lead_updated');
      expect(events('lead_updated').filter((e) => (e.lead as Lead).id === lead.id)).toHaveLength(1);
    });

    it('reports unknown people as an error result and requires email or linkedinUrl', async () => {
      const unknown = await c.call('enrich-contact', { email: 'nobody@nowhere.example' });
      expect(unknown.isError).toBe(true);
      expect(resultText(unknown)).toContain('Person not found');
      const neither = await c.call('enrich-contact', {});
      expect(neither.isError).toBe(true);
      expect(resultText(neither)).toContain('email');
      const badEmail = await c.call('enrich-contact', { email: 'not-an-email' });
      expect(resultText(badEmail)).toContain('email');
    });

    it('returns the organization with its contacts by domain', async () => {
      const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'chief financial officer', perPage: 1 });
      const lead = leads[0]!;
      const { organization } = await c.json<{
        organization: {
          id: string;
          domain: string;
          annualRevenue: number;
          foundedYear: number;
          technologies: string[];
          contacts: Contact[];
        };
      }>('get-account-data', { domain: `https://www.${lead.organization!.domain.toUpperCase()}/about` });
      expect(organization).toMatchObject({ id: lead.organization!.id, domain: lead.organization!.domain });
      expect(organization.annualRevenue).toBeGreaterThan(0);
      expect(organization.technologies.length).toBeGreaterThanOrEqual(3);
      expect(organization.contacts.map((p) => p.id)).toContain(lead.id);

      const bare = await c.json<{ organization: Record<string, unknown> }>('get-account-data', {
        domain: lead.organization!.domain,
        includeContacts: false,
      });
      expect(bare.organization).not.toHaveProperty('contacts');
      const missing = await c.call('get-account-data', { domain: 'no-such-company.example' });
      expect(missing.isError).toBe(true);
      expect(resultText(missing)).toContain('Organization not found');
    });
  });

  describe('sequences', () => {
    let someIds: string[];

    beforeAll(async () => {
      const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'chief of staff', perPage: 40 });
      someIds = leads.map((l) => l.id);
    });

    it('creates a sequence from ids and emails, creating unknown emails as contacts (lead_created)', async () => {
      const { sequence } = await c.json<{ sequence: Sequence }>('create-email-sequence', {
        name: 'Q3 jet card outreach',
        contactIds: [someIds[0], someIds[1], someIds[0]],
        emails: ['new.prospect@example.org'],
        steps: [
          { delayDays: 0, subject: 'Flying private this summer?' },
          { delayDays: 3, subject: 'Following up', template: 'Hi {{firstName}}' },
        ],
      });
      expect(sequence).toMatchObject({ status: 'active', contactCount: 3 });
      expect(sequence.id).toMatch(/^[0-9a-f]{24}$/);
      expect(sequence.steps).toEqual([
        { position: 1, delayDays: 0, subject: 'Flying private this summer?', template: null },
        { position: 2, delayDays: 3, subject: 'Following up', template: 'Hi {{firstName}}' },
      ]);
      await waitFor(() => events('lead_created').length === 1, 5_000, 'lead_created');
      expect(events('lead_created')[0]).toMatchObject({
        lead: { email: 'new.prospect@example.org', firstName: 'New' },
      });

      const added = await c.json('add-contacts-to-sequence', {
        sequenceId: sequence.id,
        contactIds: [someIds[1], someIds[2]],
      });
      expect(added).toEqual({ sequenceId: sequence.id, added: 1, alreadyPresent: 1, contactCount: 4 });
    });

    it('rejects unknown contacts and sequences and names missing fields', async () => {
      const unknownContact = await c.call('create-email-sequence', {
        name: 'x',
        contactIds: ['000000000000000000000000'],
        steps: [{ delayDays: 0, subject: 's' }],
      });
      expect(unknownContact.isError).toBe(true);
      expect(resultText(unknownContact)).toContain('Contacts not found: 000000000000000000000000');
      const noContacts = await c.call('create-email-sequence', { name: 'x', steps: [{ delayDays: 0, subject: 's' }] });
      expect(resultText(noContacts)).toContain('contactIds');
      const noSteps = await c.call('create-email-sequence', { name: 'x', contactIds: [someIds[0]], steps: [] });
      expect(resultText(noSteps)).toContain('steps');
      const unknownSequence = await c.call('add-contacts-to-sequence', {
        sequenceId: 'nope',
        contactIds: [someIds[0]],
      });
      expect(unknownSequence.isError).toBe(true);
      expect(resultText(unknownSequence)).toContain('Sequence not found');
      const tracking = await c.call('track-engagement', { sequenceId: 'nope', startDate: TODAY, endDate: TODAY });
      expect(resultText(tracking)).toContain('Sequence not found');
    });

    it('tracks engagement with nested counts, completes a finished sequence and emits sequence_completed', async () => {
      const { sequence } = await c.json<{ sequence: Sequence }>('create-email-sequence', {
        name: 'One-shot empty leg offer',
        contactIds: someIds.slice(0, 30),
        steps: [{ delayDays: 0, subject: 'Empty leg tomorrow: 70% off' }],
      });
      const args = { sequenceId: sequence.id, startDate: '2026-06-01', endDate: '2026-06-30' };
      const first = await c.json<Tracking>('track-engagement', args);
      expect(first.sent).toBe(30);
      expect(first.delivered + first.bounced).toBe(first.sent);
      expect(first.opened).toBeLessThanOrEqual(first.delivered);
      expect(first.clicked).toBeLessThanOrEqual(first.opened);
      expect(first.replied).toBeLessThanOrEqual(first.delivered);
      expect(first.meetingsBooked).toBeLessThanOrEqual(first.replied);
      expect(first.rates.openRate).toBeCloseTo(first.opened / first.delivered, 3);
      expect(first.rates.bounceRate).toBeCloseTo(first.bounced / first.sent, 3);
      expect(first.sequenceStatus).toBe('completed');
      expect(await c.json<Tracking>('track-engagement', args)).toEqual(first);

      const before = await c.json<Tracking>('track-engagement', {
        ...args,
        startDate: '2026-05-01',
        endDate: '2026-05-31',
      });
      expect(before.sent).toBe(0);
      await waitFor(
        () => events('sequence_completed').some((e) => (e.sequence as Sequence).id === sequence.id),
        5_000,
        'sequence_completed',
      );
      const completed = await c.call('add-contacts-to-sequence', {
        sequenceId: sequence.id,
        contactIds: [someIds[31]],
      });
      expect(resultText(completed)).toContain('is completed');
      const backwards = await c.call('track-engagement', { ...args, startDate: '2026-06-30', endDate: '2026-06-01' });
      expect(resultText(backwards)).toContain('endDate');
    });

    it('keeps a sequence with future steps active', async () => {
      const { sequence } = await c.json<{ sequence: Sequence }>('create-email-sequence', {
        name: 'Drip',
        contactIds: someIds.slice(0, 5),
        steps: [
          { delayDays: 0, subject: 'Hello' },
          { delayDays: 7, subject: 'Again' },
        ],
      });
      const tracked = await c.json<{ sent: number; sequenceStatus: string }>('track-engagement', {
        sequenceId: sequence.id,
        startDate: TODAY,
        endDate: '2026-12-31',
      });
      expect(tracked).toMatchObject({ sent: 5, sequenceStatus: 'active' });
    });
  });

  describe('list-contacts and upstream changes', () => {
    it('walks every contact exactly once per version while contacts change concurrently', async () => {
      const seen = new Map<string, string[]>();
      const versions = new Set<string>();
      let previous = { at: 0, id: '' };
      let cursor: string | undefined;
      let pages = 0;
      const updatedBehind: string[] = [];
      const updatedAhead: string[] = [];
      for (;;) {
        const page: ListResult = await c.json<ListResult>('list-contacts', {
          limit: 250,
          ...(cursor ? { cursor } : {}),
        });
        pages++;
        for (const contact of page.contacts) {
          const key = `${contact.id}@${contact.updatedAt}`;
          expect(versions.has(key)).toBe(false);
          versions.add(key);
          seen.set(contact.id, [...(seen.get(contact.id) ?? []), contact.updatedAt]);
          const at = Date.parse(contact.updatedAt);
          expect(at > previous.at || (at === previous.at && contact.id > previous.id)).toBe(true);
          previous = { at, id: contact.id };
        }
        if (pages === 2) {
          // Edit one contact already walked past and one not yet reached, between two page requests.
          const behind = page.contacts[0]!.id;
          const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'owner', perPage: 100 });
          const ahead = leads.find((l) => !seen.has(l.id))!.id;
          for (const id of [behind, ahead]) {
            const res = await adminData(handle, {
              action: 'update',
              collection: 'contacts',
              id,
              patch: { title: 'Owner & Pilot' },
            });
            expect(res.status).toBe(200);
          }
          updatedBehind.push(behind);
          updatedAhead.push(ahead);
        }
        if (!page.nextCursor) {
          expect(page.hasMore).toBe(false);
          break;
        }
        cursor = page.nextCursor;
      }
      expect(pages).toBeGreaterThan(8);
      expect(seen.size).toBeGreaterThanOrEqual(2000);
      expect(seen.get(updatedBehind[0]!)).toHaveLength(2);
      expect(seen.get(updatedAhead[0]!)).toHaveLength(1);
      const twice = [...seen.entries()].filter(([, v]) => v.length > 1).map(([id]) => id);
      expect(twice).toContain(updatedBehind[0]);
    });

    it('filters by updatedSince, resumes from syncCursor and shows deletions as tombstones', async () => {
      const start = await c.json<ListResult>('list-contacts', { updatedSince: '2026-06-14', limit: 1000 });
      for (const contact of start.contacts)
        expect(Date.parse(contact.updatedAt)).toBeGreaterThanOrEqual(Date.parse('2026-06-14'));
      let resume = start.syncCursor!;
      for (;;) {
        const page = await c.json<ListResult>('list-contacts', { cursor: resume, limit: 1000 });
        resume = page.syncCursor!;
        if (!page.hasMore) break;
      }
      const drained = await c.json<ListResult>('list-contacts', { cursor: resume });
      expect(drained).toMatchObject({ contacts: [], nextCursor: null, hasMore: false, syncCursor: resume });

      const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'controller', perPage: 1 });
      const victim = leads[0]!;
      const deleted = await adminData(handle, { action: 'delete', collection: 'contacts', id: victim.id });
      expect(await deleted.json()).toEqual({ deleted: victim.id });
      const after = await c.json<ListResult>('list-contacts', { cursor: resume });
      expect(after.contacts).toEqual([expect.objectContaining({ id: victim.id, deleted: true })]);

      const gone = await c.call('enrich-contact', { linkedinUrl: victim.linkedinUrl! });
      expect(gone.isError).toBe(true);
      await waitFor(
        () => events('lead_updated').some((e) => (e.lead as Contact).id === victim.id),
        5_000,
        'lead_updated',
      );
    });

    it('applies admin patches that searches see, and names bad patch fields', async () => {
      const { leads } = await c.json<SearchResult>('search-leads', { jobTitle: 'founder', perPage: 1 });
      const res = await adminData(handle, {
        action: 'update',
        collection: 'contacts',
        id: leads[0]!.id,
        patch: { title: 'Chief Aviation Enthusiast', city: 'Aspen' },
      });
      expect(await res.json()).toMatchObject({
        id: leads[0]!.id,
        title: 'Chief Aviation Enthusiast',
        location: { city: 'Aspen' },
      });
      const found = await c.json<SearchResult>('search-leads', { jobTitle: 'aviation enthusiast' });
      expect(found.leads.map((l) => l.id)).toEqual([leads[0]!.id]);

      const bad = await adminData(handle, {
        action: 'update',
        collection: 'contacts',
        id: leads[0]!.id,
        patch: { salary: 1 },
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('salary');
      const wrongCollection = await adminData(handle, { action: 'delete', collection: 'deals', id: 'x' });
      expect(wrongCollection.status).toBe(404);
      const missing = await adminData(handle, { action: 'delete', collection: 'contacts', id: 'nope' });
      expect(((await missing.json()) as { error: string }).error).toContain('nope');
    });

    it('names invalid list-contacts arguments', async () => {
      expect(resultText(await c.call('list-contacts', { limit: 1001 }))).toContain('limit');
      expect(resultText(await c.call('list-contacts', { cursor: 'garbage' }))).toContain('cursor');
      expect(resultText(await c.call('list-contacts', { updatedSince: 'yesterday' }))).toContain('updatedSince');
    });
  });
});

describe('apollo sandbox data', () => {
  it('is the same for the same seed and day, and different for another seed', async () => {
    const servers = await Promise.all([
      startSandboxServer('apollo', { seed: 7, now: NOW }),
      startSandboxServer('apollo', { seed: 7, now: NOW }),
      startSandboxServer('apollo', { seed: 8, now: NOW }),
    ]);
    const clients = await Promise.all(servers.map((s) => connectClient(s.url)));
    try {
      const query = { jobTitle: 'vp', location: 'new york', perPage: 20 };
      const [a, b, other] = await Promise.all(clients.map((cl) => cl.json<SearchResult>('search-leads', query)));
      expect(b).toEqual(a);
      expect(other).not.toEqual(a);
      const [pageA, pageB] = await Promise.all(
        clients.slice(0, 2).map((cl) => cl.json<ListResult>('list-contacts', { limit: 50 })),
      );
      expect(pageB).toEqual(pageA);
      // Relative to the given day: every seeded change lies within the half year before it.
      for (const contact of pageA!.contacts) {
        expect(Date.parse(contact.updatedAt)).toBeLessThan(NOW.getTime());
        expect(Date.parse(contact.updatedAt)).toBeGreaterThan(NOW.getTime() - 200 * 86_400_000);
      }
    } finally {
      await Promise.all(clients.map((cl) => cl.close()));
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  // How fast the world is built is measured by `npm run bench -- mcp-soak`, not bounded here.
  it('builds 100,000 people in at least 300 organizations', async () => {
    const server = await startSandboxServer('apollo', { size: 100_000, now: NOW });
    const client = await connectClient(server.url);
    try {
      const all = await client.json<ListResult>('list-contacts', { limit: 1000 });
      expect(all.contacts).toHaveLength(1000);
      const ceos = await client.json<SearchResult>('search-leads', { jobTitle: 'ceo' });
      expect(ceos.pagination.totalEntries).toBeGreaterThan(5_000);
      const orgs = new Set(ceos.leads.map((l) => l.organization?.id));
      expect(orgs.size).toBeGreaterThan(1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
