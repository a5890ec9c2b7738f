import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditRetentionJob } from '../../src/modules/audit/audit-retention.job.js';
import { type AuditEntryView, AuditService } from '../../src/modules/audit/audit.service.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Page {
  items: AuditEntryView[];
  page: { nextCursor: string | null; limit: number };
}

describe('audit log API', () => {
  let app: TestApp;
  let audit: AuditService;

  beforeAll(async () => {
    app = await startTestApp({ env: { SYNC_ENABLED: 'false', AUDIT_RETENTION_DAYS: '30' } });
    audit = app.app.get(AuditService);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const get = async (path: string): Promise<Page> => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  };

  it('pages newest first with a cursor, never skipping or repeating entries (ties on time included)', async () => {
    const base = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 25; i++) {
      // Every five entries share a timestamp: the id breaks the tie.
      await audit.record({
        source: 'test',
        type: i % 2 ? 'test.odd' : 'test.even',
        subject: `subject-${i % 3}`,
        correlationId: i === 7 ? 'corr-7' : null,
        outcome: 'info',
        details: { i },
        occurredAt: new Date(base + Math.floor(i / 5) * 1000),
      });
    }
    const seen: AuditEntryView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await get(`/api/integration/audit?source=test&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.page.limit).toBe(10);
      seen.push(...page.items);
      cursor = page.page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((e) => e.id)).size).toBe(25);
    const times = seen.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    expect((await get('/api/integration/audit?type=test.odd&limit=100')).items).toHaveLength(12);
    expect((await get('/api/integration/audit?type=test.*&limit=100')).items).toHaveLength(25);
    expect((await get('/api/integration/audit?source=test&subject=subject-0&limit=100')).items).toHaveLength(9);
    const correlated = await get('/api/integration/audit?correlationId=corr-7');
    expect(correlated.items.map((e) => e.details['i'])).toEqual([7]);
    const window = await get(
      `/api/integration/audit?source=test&from=${new Date(base + 1000).toISOString()}&to=${new Date(base + 3000).toISOString()}`,
    );
    expect(window.items).toHaveLength(10);
    // The customer's original route answers the same query.
    const original = await get('/api/integration/sync?action=audit&type=test.even&limit=100');
    expect(original.items).toHaveLength(13);
  });

  it('rejects bad filters naming the field', async () => {
    for (const [query, field] of [
      ['cursor=not-a-cursor', 'cursor'],
      ['limit=0', 'limit'],
      ['from=yesterday', 'from'],
      ['outcome=maybe', 'outcome'],
    ] as const) {
      const response = await app.request(`/api/integration/audit?${query}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: Array<{ field: string }> };
      expect(body.errors[0]?.field).toBe(field);
    }
  });

  it('deletes entries older than the retention period with the scheduled job, and records that it did', async () => {
    const now = Date.now();
    await audit.record({
      source: 'retention',
      type: 'test.old',
      outcome: 'info',
      occurredAt: new Date(now - 31 * 86_400_000),
    });
    await audit.record({
      source: 'retention',
      type: 'test.old',
      outcome: 'info',
      occurredAt: new Date(now - 400 * 86_400_000),
    });
    await audit.record({
      source: 'retention',
      type: 'test.recent',
      outcome: 'info',
      occurredAt: new Date(now - 29 * 86_400_000),
    });

    await app.app.get(AuditRetentionJob).run();

    const left = await get('/api/integration/audit?source=retention&limit=100');
    expect(left.items.map((e) => e.type)).toEqual(['test.recent']);
    const applied = await get('/api/integration/audit?type=audit.retention_applied');
    expect(applied.items).toHaveLength(1);
    expect(applied.items[0]?.details).toMatchObject({ retentionDays: 30 });
    expect(applied.items[0]?.details['deleted']).toBeGreaterThanOrEqual(2);
    // Nothing older is left, so a second run deletes nothing and records nothing.
    expect((await audit.applyRetention()).deleted).toBe(0);
    expect((await get('/api/integration/audit?type=audit.retention_applied')).items).toHaveLength(1);
  });

  it('clears only with confirm=yes, and audits the clearing', async () => {
    for (const query of ['action=audit_log', 'action=audit_log&confirm=no']) {
      const refused = await app.request(`/api/integration/sync?${query}`, { method: 'DELETE' });
      expect(refused.status).toBe(400);
      const problem = (await refused.json()) as { errors: Array<{ field: string; message: string }> };
      expect(problem.errors.map((e) => e.field)).toContain('confirm');
    }
    expect((await get('/api/integration/audit?source=test&limit=1')).items).toHaveLength(1);

    const cleared = await app.request('/api/integration/sync?action=audit_log&confirm=yes', { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    const { deleted } = (await cleared.json()) as { deleted: number };
    expect(deleted).toBeGreaterThanOrEqual(26);

    expect((await get('/api/integration/audit?source=test')).items).toHaveLength(0);
    const entry = (await get('/api/integration/audit?type=audit.log_cleared')).items;
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({ source: 'admin', outcome: 'success', details: { deleted, before: null } });
    expect(entry[0]?.details['actor']).toEqual(expect.any(String));
    // Whatever is left was written at or after the clearing (e.g. by the running app), nothing from before it.
    const left = await get('/api/integration/audit?limit=500');
    const clearedAt = Date.parse(entry[0]!.occurredAt);
    expect(left.items.every((e) => Date.parse(e.occurredAt) >= clearedAt)).toBe(true);
  });
});
