import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { trip, waitForStatus } from './pipeline-support.js';

/**
 * The pipeline against Apollo's official tool profile: the embedded Apollo sandbox serves the hosted server's tools
 * (SANDBOX_APOLLO_PROFILE=official) and the enrich step goes through `apollo_people_match`.
 */
describe('a pipeline run with the official Apollo tool profile', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ env: { SYNC_ENABLED: 'false', SANDBOX_APOLLO_PROFILE: 'official' } });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('enriches the lead through the official tools and reaches awaiting_confirmation', async () => {
    const status = (await (await app.request('/api/integration/status')).json()) as {
      servers: Record<string, { state: string; tools: string[]; missingTools: string[] }>;
    };
    expect(status.servers['apollo']).toMatchObject({ state: 'up', missingTools: [] });
    expect(status.servers['apollo']?.tools).toContain('apollo_people_match');

    const search = await app.request('/api/integration/leads?jobTitle=CEO&perPage=20');
    expect(search.status).toBe(200);
    const leads = ((await search.json()) as { items: { id: string; linkedinUrl: string | null; hasEmail: boolean }[] })
      .items;
    const lead = leads.find((l) => l.linkedinUrl && l.hasEmail)!;
    const enriched = await app.request('/api/integration/contacts/enrich', {
      method: 'POST',
      json: { linkedinUrl: lead.linkedinUrl },
    });
    const person = (await enriched.json()) as { id: string; email: string; firstName: string; lastName: string };
    expect(person.id).toBe(lead.id);

    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: {
        lead: { email: person.email, firstName: person.firstName, lastName: person.lastName },
        flightRequirements: trip(),
      },
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const run = await waitForStatus(app.request, runId, ['awaiting_confirmation'], 30_000);
    expect(run.charterRequestId).toEqual(expect.any(String));
    const detail = (await (await app.request(`/api/integration/pipeline/runs/${runId}`)).json()) as {
      lead: { apolloId?: string | null };
      steps?: { step: string; status: string }[];
    };
    expect(detail.lead.apolloId).toBe(person.id);
    expect(detail.steps?.find((s) => s.step === 'enrich')?.status).toBe('succeeded');
  });
});
