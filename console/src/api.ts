// Talks to the service's REST API with the key the user signed in with, and follows its event stream.

export const API = '/api/integration';
const KEY_STORAGE = 'jetvision.console.apiKey';

export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  code?: string;
  errors?: Array<{ field: string; rule: string; message: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(status, problem));
  }
}

function describeProblem(status: number, problem: Problem): string {
  const head = problem.detail ?? problem.title ?? `HTTP ${status}`;
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return fields.length ? `${head} (${fields.join('; ')})` : head;
}

/** The key lives in sessionStorage: it is gone when the tab closes. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}
export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

type SignedOutListener = (message: string) => void;
let signedOut: SignedOutListener = () => undefined;
/** Called when the API refuses the stored key (401): the app goes back to the sign-in form with the reason. */
export function onSignedOut(listener: SignedOutListener): void {
  signedOut = listener;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  key?: string;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const key = options.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${API}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, parsed ?? {});
    if (response.status === 401 && options.key === undefined) {
      forgetKey();
      signedOut(error.message);
    }
    throw error;
  }
  return parsed as T;
}

export interface StreamEvent {
  name: string;
  data: Record<string, unknown>;
}
type EventListener = (event: StreamEvent) => void;

/**
 * One event stream for the whole page (browsers allow few connections per origin), read with fetch because
 * EventSource cannot send the API key header. Reconnects with a growing pause; listeners hear every event.
 */
class LiveStream {
  private readonly listeners = new Set<EventListener>();
  private readonly stateListeners = new Set<(live: boolean) => void>();
  private controller: AbortController | null = null;
  live = false;

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    void this.loop(this.controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.setLive(false);
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (live: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setLive(live: boolean): void {
    this.live = live;
    for (const listener of this.stateListeners) listener(live);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let pause = 500;
    while (!signal.aborted) {
      try {
        await this.readOnce(signal);
        pause = 500;
      } catch {
        // A network error or a refused key; the pause grows up to 10 s.
      }
      this.setLive(false);
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 10_000);
    }
  }

  private async readOnce(signal: AbortSignal): Promise<void> {
    const key = storedKey();
    if (!key) throw new Error('signed out');
    const response = await fetch(`${API}/events`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok || !response.body) throw new Error(`event stream: HTTP ${response.status}`);
    this.setLive(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private dispatch(block: string): void {
    let name = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener({ name, data: parsed });
  }
}

export const liveStream = new LiveStream();

/** A fresh Idempotency-Key for one attempt of a create. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
