import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';

import type { SandboxName } from './sandbox-definition.js';

/** What a sandbox server keeps across restarts: its data and where its random source stood. */
export interface SavedSandbox {
  name: SandboxName;
  /** `RandomSource.position()` of the tools' random source, so ids drawn after a restart are new ones. */
  random: number;
  state: unknown;
}

interface SavedFile extends SavedSandbox {
  format: typeof FORMAT;
  savedAt: string;
}

const FORMAT = 1;
/** Changes within this window are saved together: a burst of tool calls costs one write. */
const DEFAULT_DELAY_MS = 500;

/** The state file cannot be read: a clear message naming the file, instead of silently starting a new world. */
export class SandboxStateFileError extends Error {
  constructor(path: string, reason: string) {
    super(`The saved sandbox state ${path} cannot be read (${reason}); move it away to start from the seed again.`);
    this.name = 'SandboxStateFileError';
  }
}

/**
 * One server's state on disk. Changes only mark it dirty; the state is serialised (v8, structured clone) once per
 * `delayMs` at most and written atomically (temporary file, fsync, rename), so a crash leaves the previous complete
 * snapshot and a busy server pays one write per window, not one per call.
 */
export class SandboxStateFile {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private lastError: Error | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly capture: () => SavedSandbox,
    private readonly delayMs = DEFAULT_DELAY_MS,
  ) {}

  /** The saved state, or undefined when there is none yet. Synchronous: it runs once, before the server listens. */
  read(name: SandboxName): SavedSandbox | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SandboxStateFileError(this.path, (error as Error).message);
    }
    let saved: Partial<SavedFile>;
    try {
      saved = deserialize(bytes) as Partial<SavedFile>;
    } catch (error) {
      throw new SandboxStateFileError(this.path, (error as Error).message);
    }
    if (saved.format !== FORMAT) throw new SandboxStateFileError(this.path, `unknown format ${String(saved.format)}`);
    if (saved.name !== name) {
      throw new SandboxStateFileError(this.path, `it holds the ${String(saved.name)} server, not ${name}`);
    }
    if (typeof saved.random !== 'number') throw new SandboxStateFileError(this.path, 'no random position');
    return { name, random: saved.random, state: saved.state };
  }

  /** Marks the state changed; it is written within `delayMs`. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer !== undefined || this.saving !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes pending changes now and waits for the write (shutdown). Rejects with the last write error, if any. */
  async flush(): Promise<void> {
    await this.saving;
    while (this.dirty) {
      this.cancelTimer();
      await this.save();
      if (this.lastError) break;
    }
    this.cancelTimer();
    const error = this.lastError;
    this.lastError = undefined;
    if (error) throw error;
  }

  /** Writes pending changes, then ignores any later change (a timer of the closed server firing afterwards). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
    }
  }

  /** The error of the last write, while it has not been followed by a successful one. */
  get error(): Error | undefined {
    return this.lastError;
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private save(): Promise<void> {
    this.dirty = false;
    const saved: SavedFile = { ...this.capture(), format: FORMAT, savedAt: new Date().toISOString() };
    const bytes = serialize(saved);
    this.saving = this.write(bytes)
      .then(
        () => (this.lastError = undefined),
        (error: unknown) => {
          // Kept dirty so the next change (or the flush at shutdown) tries again.
          this.dirty = true;
          this.lastError = error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => {
        this.saving = undefined;
        if (this.dirty && this.lastError === undefined) this.changed();
      })
      .then(() => undefined);
    return this.saving;
  }

  private async write(bytes: Uint8Array): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
  }
}
