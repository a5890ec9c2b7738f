import { DomainError } from '../../common/errors/domain-error.js';
import type { McpClient } from '../../common/mcp/mcp-client.js';
import type { McpServerName } from '../../common/mcp/tool-contract.js';
import { type SyncedApolloContact, listContactsTool } from '../apollo/apollo.contracts.js';
import { listAvailabilityTool, listBookingsTool } from '../avainode/avainode.contracts.js';
import { type N8nExecutionResult, getExecutionTool, listExecutionsTool } from '../n8n/n8n.contracts.js';

export const SYNC_STREAMS = ['apollo_contacts', 'avinode_availability', 'avinode_bookings', 'n8n_executions'] as const;
export type SyncStreamName = (typeof SYNC_STREAMS)[number];

export function isSyncStream(value: unknown): value is SyncStreamName {
  return typeof value === 'string' && (SYNC_STREAMS as readonly string[]).includes(value);
}

/** One upstream record as the sync stores it. */
export interface UpstreamRecord {
  id: string;
  /** The upstream's change time (ISO), when it has one. */
  updatedAt: string | null;
  /** Set when the upstream itself reports the record deleted (a tombstone in its change feed). */
  deletedAt: string | null;
  data: Record<string, unknown>;
}

/** Where a stream's next incremental sync resumes; committed in the same transaction as the page that reached it. */
export interface Checkpoint {
  cursor: string | null;
  updatedSince: Date | null;
  extra: Record<string, unknown>;
}

export interface FeedPage {
  records: UpstreamRecord[];
  /** The stream state to commit with this page; absent inside a full walk (which never moves the incremental cursor). */
  checkpoint?: Checkpoint;
  /** The walk ended normally: no further page exists. */
  last: boolean;
}

export interface WalkOptions {
  pageSize: number;
  signal: AbortSignal;
}

export interface RecheckResult {
  records: UpstreamRecord[];
  /** Ids the upstream no longer knows. */
  gone: string[];
}

export interface StreamDefinition {
  name: SyncStreamName;
  server: McpServerName;
  /** The local table (see the migration); never user input. */
  table: string;
  maxPageSize: number;
  /** Pages of an incremental walk (from `from`) or a full walk (from the beginning). */
  pages(
    client: McpClient,
    kind: 'incremental' | 'full',
    from: Checkpoint,
    options: WalkOptions,
  ): AsyncGenerator<FeedPage>;
  /** Re-fetches records an incremental walk cannot see change (n8n executions that had not finished). */
  recheck?(client: McpClient, ids: readonly string[], signal: AbortSignal): Promise<RecheckResult>;
  /** SQL condition (on the local table) selecting the rows to pass to `recheck`. */
  recheckWhere?: string;
}

function laterOf(a: Date | null, iso: string | null): Date | null {
  if (iso === null) return a;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return a;
  return a === null || ms > a.getTime() ? new Date(ms) : a;
}

interface ChangePage<T> {
  items: T[];
  nextCursor: string | null;
  /** Where to resume for later changes once the walk ended (Apollo's syncCursor; Avinode has none). */
  resumeCursor: string | null;
}

/**
 * A `(updatedAt, id)`-ordered change feed with `updatedSince` and an opaque cursor (Apollo list-contacts, Avinode
 * list-availability / list-bookings). An incremental walk resumes from the stored cursor, else from the `updatedSince`
 * watermark (inclusive: the records at the watermark come again and hash as unchanged).
 */
function changeFeed<T>(definition: {
  name: SyncStreamName;
  server: McpServerName;
  table: string;
  fetch(
    client: McpClient,
    args: { updatedSince?: string; cursor?: string; limit: number },
    signal: AbortSignal,
  ): Promise<ChangePage<T>>;
  toRecord(item: T): UpstreamRecord;
}): StreamDefinition {
  return {
    name: definition.name,
    server: definition.server,
    table: definition.table,
    maxPageSize: 1000,
    async *pages(client, kind, from, { pageSize, signal }) {
      let args: { updatedSince?: string; cursor?: string } = {};
      if (kind === 'incremental') {
        if (from.cursor) args = { cursor: from.cursor };
        else if (from.updatedSince) args = { updatedSince: from.updatedSince.toISOString() };
      }
      let watermark = kind === 'incremental' ? from.updatedSince : null;
      for (;;) {
        const page = await definition.fetch(client, { ...args, limit: Math.min(pageSize, 1000) }, signal);
        const records = page.items.map((item) => definition.toRecord(item));
        for (const record of records) watermark = laterOf(watermark, record.updatedAt);
        const last = page.nextCursor === null;
        const checkpoint =
          kind === 'incremental' || last
            ? { cursor: last ? page.resumeCursor : page.nextCursor, updatedSince: watermark, extra: {} }
            : undefined;
        yield { records, last, ...(checkpoint ? { checkpoint } : {}) };
        if (last || page.nextCursor === null) return;
        args = { cursor: page.nextCursor };
      }
    },
  };
}

const apolloContacts = changeFeed<SyncedApolloContact>({
  name: 'apollo_contacts',
  server: 'apollo',
  table: 'sync_apollo_contact',
  async fetch(client, args, signal) {
    const page = await client.call(listContactsTool, args, { signal });
    return { items: page.contacts, nextCursor: page.nextCursor, resumeCursor: page.syncCursor };
  },
  toRecord: (contact) => ({
    id: contact.id,
    updatedAt: contact.updatedAt,
    deletedAt: contact.deleted ? contact.updatedAt : null,
    data: contact,
  }),
});

const avinodeAvailability = changeFeed({
  name: 'avinode_availability',
  server: 'avinode',
  table: 'sync_avinode_availability',
  async fetch(client, args, signal) {
    const page = await client.call(listAvailabilityTool, args, { signal });
    return { items: page.availability, nextCursor: page.nextCursor, resumeCursor: null };
  },
  toRecord: (record) => ({ id: record.id, updatedAt: record.updatedAt, deletedAt: record.deletedAt, data: record }),
});

const avinodeBookings = changeFeed({
  name: 'avinode_bookings',
  server: 'avinode',
  table: 'sync_avinode_booking',
  async fetch(client, args, signal) {
    const page = await client.call(listBookingsTool, args, { signal });
    return { items: page.bookings, nextCursor: page.nextCursor, resumeCursor: null };
  },
  toRecord: (record) => ({ id: record.id, updatedAt: record.updatedAt, deletedAt: record.deletedAt, data: record }),
});

function executionRecord(execution: N8nExecutionResult): UpstreamRecord {
  return { id: execution.id, updatedAt: execution.stoppedAt ?? execution.startedAt, deletedAt: null, data: execution };
}

/** n8n execution ids are increasing integers (as strings); compare them as numbers. */
function idAbove(id: string, mark: string | null): boolean {
  if (mark === null) return true;
  const a = Number(id);
  const b = Number(mark);
  return Number.isFinite(a) && Number.isFinite(b) ? a > b : id > mark;
}

function isNotFound(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'not_found';
}

interface N8nExtra {
  /** Every execution up to this id has been walked. */
  highWaterId: string | null;
  /** An incremental walk in progress: the newest id it started from and where it resumes. */
  walkTopId: string | null;
  walkCursor: string | null;
}

function n8nExtra(extra: Record<string, unknown>): N8nExtra {
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return {
    highWaterId: text(extra['highWaterId']),
    walkTopId: text(extra['walkTopId']),
    walkCursor: text(extra['walkCursor']),
  };
}

/**
 * n8n executions (n8n-mcp's `n8n_executions`): newest first by id, no `updatedSince` (n8n's API has none, and its
 * status filter knows only success|error|waiting). An incremental walk reads from the newest execution down to the
 * high-water id of the last completed walk; executions that had not finished are then re-read one by one (`get`).
 */
const n8nExecutions: StreamDefinition = {
  name: 'n8n_executions',
  server: 'n8n',
  table: 'sync_n8n_execution',
  maxPageSize: 100,
  recheckWhere: `("data"->>'finished') = 'false' AND "deleted_at" IS NULL`,
  async *pages(client, kind, from, { pageSize, signal }) {
    const state = n8nExtra(from.extra);
    const resuming = kind === 'incremental' && state.walkCursor !== null;
    let cursor = resuming ? state.walkCursor : null;
    let topId = resuming ? state.walkTopId : null;
    const highWater = kind === 'incremental' ? state.highWaterId : null;
    let watermark = kind === 'incremental' ? from.updatedSince : null;
    for (;;) {
      const page = await client.call(
        listExecutionsTool,
        { action: 'list', limit: Math.min(pageSize, 100), ...(cursor ? { cursor } : {}) },
        { signal },
      );
      const first = page.executions[0];
      if (topId === null && first) topId = first.id;
      const fresh = page.executions.filter((execution) => idAbove(execution.id, highWater));
      const records = fresh.map(executionRecord);
      for (const record of records) watermark = laterOf(watermark, record.updatedAt);
      const nextCursor = page.nextCursor ?? null;
      const last = fresh.length < page.executions.length || nextCursor === null;
      const newHighWater = topId !== null && idAbove(topId, highWater) ? topId : highWater;
      let checkpoint: Checkpoint | undefined;
      if (last) {
        checkpoint = { cursor: null, updatedSince: watermark, extra: { highWaterId: newHighWater } };
      } else if (kind === 'incremental') {
        checkpoint = {
          cursor: nextCursor,
          updatedSince: watermark,
          extra: { highWaterId: highWater, walkTopId: topId, walkCursor: nextCursor },
        };
      }
      yield { records, last, ...(checkpoint ? { checkpoint } : {}) };
      if (last) return;
      cursor = nextCursor;
    }
  },
  async recheck(client, ids, signal) {
    const records: UpstreamRecord[] = [];
    const gone: string[] = [];
    const queue = [...ids];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          records.push(executionRecord(await client.call(getExecutionTool, { action: 'get', id }, { signal })));
        } catch (error) {
          if (!isNotFound(error)) throw error;
          gone.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
    return { records, gone };
  },
};

export const STREAM_DEFINITIONS: Record<SyncStreamName, StreamDefinition> = {
  apollo_contacts: apolloContacts,
  avinode_availability: avinodeAvailability,
  avinode_bookings: avinodeBookings,
  n8n_executions: n8nExecutions,
};
