import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { UpstreamMutation } from '../../src/common/mutations/upstream-mutation.entity.js';
import { UpstreamMutationsService } from '../../src/common/mutations/upstream-mutations.service.js';
import { AuditLogEntry } from '../../src/modules/audit/audit-log.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { installFailOnceTrigger } from '../support/fail-once-trigger.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  intentId?: string;
  resultRef?: string;
}
interface Sequence {
  id: string;
  name: string;
  contactIds: string[];
}
interface ContactsAdded {
  sequenceId: string;
  added: number;
  alreadyPresent: number;
}

/**
 * No half-writes for Apollo (issue 12): a sequence or an enrolment has no local table, its audit entry is the local
 * record. That write fails once after Apollo answered (a trigger on `audit_log`), and the change is still accounted for
 * — by the intent (which keeps Apollo's answer: there is no tool to read a sequence again), by the same request sent
 * again and by the reconcile job — made once upstream.
 */
describe('Apollo sequences and enrolment: no half-writes', () => {
  let apollo: SandboxServerHandle;
  let app: TestApp;
  let dataSource: DataSource;

  const calls = (tool: string): number => apollo.stats().calls[tool] ?? 0;
  const post = (path: string, json: unknown): Promise<Response> =>
    app.request(`/api/integration/sequences${path}`, { method: 'POST', json });
  const auditOf = (type: string, subject: string): Promise<AuditLogEntry[]> =>
    dataSource.getRepository(AuditLogEntry).findBy({ type, subject });
  const intentOf = (operation: string, subject: string): Promise<UpstreamMutation> =>
    dataSource.getRepository(UpstreamMutation).findOneByOrFail({ upstream: 'apollo', operation, subject });

  let failNextSequenceAudit: () => Promise<void>;

  const sequenceBody = (emails: string[]) => ({
    name: `Half-write ${randomUUID().slice(0, 8)}`,
    contacts: emails,
    steps: [{ delayDays: 0, subject: 'Charter availability' }],
  });

  beforeAll(async () => {
    apollo = await startSandboxServer('apollo', { port: 0, admin: true, seed: 12 });
    app = await startTestApp({ env: { APOLLO_MCP_SERVER_URL: apollo.url, MCP_MAX_RETRIES: '0' } });
    dataSource = app.app.get(DataSource);
    failNextSequenceAudit = await installFailOnceTrigger(
      dataSource,
      'audit_log',
      `NEW."type" LIKE 'apollo.sequence_%'`,
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await apollo?.close();
  });

  it('create: 503 with the answer kept; the same request again returns the one sequence Apollo made', async () => {
    const body = sequenceBody(['half.write.one@example-charter.com']);
    await failNextSequenceAudit();
    const before = calls('create-email-sequence');

    const first = await post('', body);
    expect(first.status).toBe(503);
    const problem = (await first.json()) as Problem;
    expect(problem.code).toBe('service_unavailable');
    const intent = await intentOf('create_sequence', body.name);
    expect(intent).toMatchObject({ id: problem.intentId, status: 'pending', resultRef: problem.resultRef });
    expect(intent.result).toMatchObject({ id: problem.resultRef, name: body.name });
    expect(intent.error).toContain('injected local failure');
    expect(JSON.stringify(intent.requestSummary)).not.toContain('half.write.one');
    await eventually(
      async () =>
        (await dataSource
          .getRepository(AuditLogEntry)
          .countBy({ type: 'upstream_mutation.left_open', correlationId: intent.id })) === 1,
    );

    const again = await post('', body);
    expect(again.status).toBe(201);
    const sequence = (await again.json()) as Sequence;
    expect(sequence).toMatchObject({ id: problem.resultRef, name: body.name });
    expect(calls('create-email-sequence')).toBe(before + 1);
    expect((await intentOf('create_sequence', body.name)).status).toBe('reconciled');
    await eventually(
      async () =>
        (await auditOf('apollo.sequence_created', sequence.id)).length === 1 &&
        (await auditOf('upstream_mutation.reconciled', sequence.id)).length === 1,
    );
  });

  it('enrolment: the reconcile job records the contacts added that nobody asked about again', async () => {
    const source = await post('', sequenceBody(['half.a@example-charter.com', 'half.b@example-charter.com']));
    const target = await post('', sequenceBody(['half.c@example-charter.com']));
    expect([source.status, target.status]).toEqual([201, 201]);
    const { contactIds } = (await source.json()) as Sequence;
    const { id } = (await target.json()) as Sequence;
    await failNextSequenceAudit();

    const first = await post(`/${id}/contacts`, { contactIds });
    expect(first.status).toBe(503);
    const intent = await intentOf('add_contacts_to_sequence', id);
    expect(intent).toMatchObject({ status: 'pending', resultRef: id, result: { added: 2, alreadyPresent: 0 } });
    expect(await auditOf('apollo.sequence_contacts_added', id)).toHaveLength(0);

    await dataSource.query(
      `UPDATE "upstream_mutation" SET "updated_at" = now() - interval '10 minutes' WHERE "id" = $1`,
      [intent.id],
    );
    // What the reconcile job runs (its schedule is exercised in the Avinode file).
    await app.app.get(UpstreamMutationsService).reconcilePending();
    await eventually(async () => (await intentOf('add_contacts_to_sequence', id)).status === 'reconciled');
    await eventually(async () => (await auditOf('apollo.sequence_contacts_added', id)).length === 1);
    const [entry] = await auditOf('upstream_mutation.reconciled', id);
    expect(entry?.details).toMatchObject({ by: 'reconcile', operation: 'add_contacts_to_sequence' });

    // Enrolled once: asking again finds them present.
    const again = await post(`/${id}/contacts`, { contactIds });
    expect(again.status).toBe(200);
    expect((await again.json()) as ContactsAdded).toMatchObject({ added: 0, alreadyPresent: 2 });
  });

  it('an upstream refusal fails the intent (nothing changed upstream)', async () => {
    const response = await post('/ffffffffffffffffffffffff/contacts', { contactIds: ['aaaaaaaaaaaaaaaaaaaaaaaa'] });
    expect(response.status).toBe(404);
    expect(await intentOf('add_contacts_to_sequence', 'ffffffffffffffffffffffff')).toMatchObject({
      status: 'failed',
      resultRef: null,
    });
  });
});
