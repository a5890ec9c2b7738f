import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWellFormedApiKey } from './api-key-scope.js';

/** The file under DATA_DIR holding the admin key generated when API_KEYS is not set. */
export function storedApiKeyPath(dataDir: string): string {
  return join(dataDir, 'api-key');
}

/** The stored key cannot be used: thrown at boot (exit 78) with what to do, never replaced behind the user's back. */
export class StoredApiKeyError extends Error {
  constructor(path: string, reason: string) {
    super(`The generated API key in ${path} ${reason}; delete the file to generate a new key, or set API_KEYS.`);
    this.name = 'StoredApiKeyError';
  }
}

/**
 * The admin key for a process without API_KEYS: generated once into `DATA_DIR/api-key` (mode 0600) and read from there
 * at every later start, so the curl commands a newcomer wrote keep working across restarts. A file others can read
 * is narrowed to 0600.
 */
export function storedApiKey(dataDir: string): string {
  const path = storedApiKeyPath(dataDir);
  const existing = readKey(path);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const key = `jv_${randomBytes(24).toString('base64url')}`;
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process wrote it first: theirs is the key.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKey(path) ?? key;
    throw new StoredApiKeyError(path, `cannot be written (${(error as Error).message})`);
  }
  return key;
}

function readKey(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoredApiKeyError(path, `cannot be read (${(error as Error).message})`);
  }
  const key = text.trim();
  if (!isWellFormedApiKey(key)) throw new StoredApiKeyError(path, 'is not a key of 16 or more URL-safe characters');
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return key;
}
