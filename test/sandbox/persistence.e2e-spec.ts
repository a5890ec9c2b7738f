import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sandboxStateFile, startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { connectClient, resultText, waitFor, type TestClient } from './support/sandbox-client.js';

/** n8n tools answer with a JSON envelope in their text. */
type Envelope = { success: boolean; data: Record<string, unknown> & { id?: string; status?: string } };

const NOW = new Date('2026-06-15T09:00:00.000Z');
const day = (offset: number): string => new Date(NOW.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

describe('sandbox servers keeping their data in a file', () => {
  let dir: string;
  const open: SandboxServerHandle[] = [];
  const clients: TestClient[] = [];

  const start = async (name: 'apollo' | 'avinode' | 'n8n', stateDir = dir): Promise<SandboxServerHandle> => {
    const handle = await startSandboxServer(name, {
      seed: 7,
      now: NOW,
      admin: true,
      stateFile: sandboxStateFile(stateDir, name),
    });
    open.push(handle);
    return handle;
  };
  const connect = async (handle: SandboxServerHandle): Promise<TestClient> => {
    const client = await connectClient(handle.url);
    clients.push(client);
    return client;
  };
  const stop = async (handle: SandboxServerHandle): Promise<void> => {
    for (const client of clients.splice(0)) await client.close();
    await handle.close();
    open.splice(open.indexOf(handle), 1);
  };
  const n8n = async (client: TestClient, tool: string, args: Record<string, unknown>): Promise<Envelope> =>
    JSON.parse(resultText(await client.call(tool, args))) as Envelope;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jv-sandbox-state-'));
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const handle of open) await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('Avinode: a confirmed booking, its request and its idempotency key survive a restart; new ids stay new', async () => {
    let handle = await start('avinode');
    let c = await connect(handle);
    const route = { departureAirport: 'KTEB', arrivalAirport: 'KPBI' };
    const found = await c.json<{ aircraft: { aircraftId: string }[] }>('search-aircraft', {
      ...route,
      departureDate: day(20),
      passengers: 4,
    });
    const aircraftId = found.aircraft[0]!.aircraftId;
    const { quote } = await c.json<{ quote: { id: string } }>('get-pricing', {
      aircraftId,
      route,
      dates: { departureDate: day(20) },
      passengers: 4,
    });
    const requestArgs = {
      aircraftId,
      route,
      departureDate: day(20),
      departureTime: '10:15',
      passengers: 4,
      quoteId: quote.id,
      contact: { name: 'Grace Hopper', email: 'grace@example.com' },
      idempotencyKey: 'persist-key-0001',
    };
    const { request } = await c.json<{ request: { id: string } }>('create-charter-request', requestArgs);
    const { booking } = await c.json<{ booking: { bookingId: string; status: string } }>('manage-booking', {
      requestId: request.id,
      action: 'confirm',
      paymentMethod: 'wire_transfer',
    });
    expect(booking.status).toBe('confirmed');
    await stop(handle);
    expect((await stat(sandboxStateFile(dir, 'avinode'))).mode & 0o777).toBe(0o600);

    handle = await start('avinode');
    c = await connect(handle);
    const details = await c.json<{ booking: unknown }>('manage-booking', {
      bookingId: booking.bookingId,
      action: 'get_details',
    });
    expect(details.booking).toEqual(booking);
    // The same key answers the same request, as before the restart: no second booking for a retried call.
    const again = await c.json<{ request: { id: string } }>('create-charter-request', requestArgs);
    expect(again.request.id).toBe(request.id);
    const other = await c.json<{ request: { id: string } }>('create-charter-request', {
      ...requestArgs,
      idempotencyKey: 'persist-key-0002',
      departureDate: day(40),
      quoteId: undefined,
    });
    expect(other.request.id).not.toBe(request.id);
    await stop(handle);
  });

  it('n8n: workflows and executions survive; a run cut off by the stop ends as an error; ids are not drawn twice', async () => {
    let handle = await start('n8n');
    let c = await connect(handle);
    const workflow = (name: string, path: string): Record<string, unknown> => ({
      name,
      nodes: [
        {
          id: 'w',
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          parameters: { httpMethod: 'POST', path },
        },
      ],
      connections: {},
    });
    const created = await n8n(c, 'n8n_create_workflow', workflow('Kept', 'persist/kept'));
    const id = created.data.id!;
    await n8n(c, 'n8n_update_partial_workflow', { id, operations: [{ type: 'activateWorkflow' }] });
    await n8n(c, 'n8n_test_workflow', { workflowId: id, data: { __sandboxDelayMs: 60_000 } });
    const running = await n8n(c, 'n8n_executions', { action: 'list', workflowId: id });
    const [execution] = running.data['executions'] as { id: string; status: string }[];
    expect(execution?.status).toBe('running');
    await stop(handle);

    handle = await start('n8n');
    c = await connect(handle);
    expect((await n8n(c, 'n8n_get_workflow', { id })).data).toMatchObject({ id, name: 'Kept', active: true });
    const after = await n8n(c, 'n8n_executions', { action: 'get', id: execution!.id });
    expect(after.data).toMatchObject({ id: execution!.id, status: 'error', finished: false });
    const second = await n8n(c, 'n8n_create_workflow', workflow('Second', 'persist/second'));
    await stop(handle);

    // A server without the file, on the same seed, draws the first id again: the kept one moved on from it.
    const freshDir = await mkdtemp(join(tmpdir(), 'jv-sandbox-fresh-'));
    const fresh = await start('n8n', freshDir);
    const freshClient = await connect(fresh);
    const freshId = (await n8n(freshClient, 'n8n_create_workflow', workflow('Kept', 'persist/kept'))).data.id;
    expect(freshId).toBe(id);
    expect(second.data.id).not.toBe(id);
    await stop(fresh);
    await rm(freshDir, { recursive: true, force: true });
  });

  it('Apollo: a contact changed upstream and a sequence are kept, and a change is saved without waiting for a stop', async () => {
    const handle = await start('apollo');
    const c = await connect(handle);
    const { leads } = await c.json<{ leads: { id: string }[] }>('search-leads', { jobTitle: 'CEO', perPage: 1 });
    const contactId = leads[0]!.id;
    const changed = await fetch(`${handle.baseUrl}/admin/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'update',
        collection: 'contacts',
        id: contactId,
        patch: { title: 'Chief Pilot' },
      }),
    });
    expect(changed.status).toBe(200);
    const { sequence } = await c.json<{ sequence: { id: string } }>('create-email-sequence', {
      name: 'Kept sequence',
      contactIds: [contactId],
      steps: [{ delayDays: 0, subject: 'Hello' }],
    });

    // While the first server still runs (as if it were about to crash), a server started on a copy of its file sees both.
    const copies = await mkdtemp(join(tmpdir(), 'jv-sandbox-copy-'));
    const readsFile = async (): Promise<boolean> => {
      await cp(sandboxStateFile(dir, 'apollo'), sandboxStateFile(copies, 'apollo'));
      const peek = await start('apollo', copies);
      const peekClient = await connectClient(peek.url);
      try {
        const list = await peekClient.json<{ contacts: { id: string; title: string | null }[] }>('list-contacts', {
          updatedSince: NOW.toISOString().slice(0, 10),
          limit: 100,
        });
        const added = await peekClient.call('add-contacts-to-sequence', {
          sequenceId: sequence.id,
          contactIds: [contactId],
        });
        return list.contacts.some((x) => x.id === contactId && x.title === 'Chief Pilot') && added.isError !== true;
      } finally {
        await peekClient.close();
        await peek.close();
        open.splice(open.indexOf(peek), 1);
      }
    };
    await waitFor(readsFile, 10_000, 'the change to reach the file');
    await stop(handle);
    await rm(copies, { recursive: true, force: true });
  });

  it('refuses a state file it cannot read, naming it, instead of starting a new world over it', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'jv-sandbox-broken-'));
    await writeFile(sandboxStateFile(broken, 'avinode'), 'not a snapshot');
    await expect(start('avinode', broken)).rejects.toThrow(
      new RegExp(`saved sandbox state ${sandboxStateFile(broken, 'avinode')} cannot be read`),
    );
    await rm(broken, { recursive: true, force: true });
  });
});
