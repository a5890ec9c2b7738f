import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { StoredApiKeyError, storedApiKey, storedApiKeyPath } from './stored-api-key.js';

describe('storedApiKey', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'jv-api-key-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates a key once into DATA_DIR/api-key, readable by the owner only, and reads it back afterwards', () => {
    const key = storedApiKey(join(dataDir, 'nested'));
    const path = storedApiKeyPath(join(dataDir, 'nested'));
    expect(key).toMatch(/^jv_[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(path, 'utf8').trim()).toBe(key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(storedApiKey(join(dataDir, 'nested'))).toBe(key);
  });

  it('is the generated key of a configuration without API_KEYS, and unused when API_KEYS is set', () => {
    const generated = AppConfig.fromEnvironment({ DATA_DIR: dataDir }, { generatedKey: storedApiKey });
    const again = AppConfig.fromEnvironment({ DATA_DIR: dataDir }, { generatedKey: storedApiKey });
    expect(again.auth.apiKeys).toEqual(generated.auth.apiKeys);
    expect(generated.auth.apiKeys[0]).toMatchObject({ name: 'generated', scope: 'admin' });

    const configured = AppConfig.fromEnvironment(
      { DATA_DIR: join(dataDir, 'other'), API_KEYS: 'ops:admin:ops-key-0123456789' },
      { generatedKey: storedApiKey },
    );
    expect(configured.auth.apiKeys.map((k) => k.name)).toEqual(['ops']);
    expect(() => statSync(storedApiKeyPath(join(dataDir, 'other')))).toThrow(/ENOENT/);
  });

  it('narrows a key file others can read to 0600', () => {
    const path = storedApiKeyPath(dataDir);
    writeFileSync(path, 'jv_an-earlier-key-0123456789\n');
    chmodSync(path, 0o644);
    expect(storedApiKey(dataDir)).toBe('jv_an-earlier-key-0123456789');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that holds no usable key, saying what to do, instead of replacing it', () => {
    writeFileSync(storedApiKeyPath(dataDir), 'short\n', { mode: 0o600 });
    expect(() => storedApiKey(dataDir)).toThrow(StoredApiKeyError);
    expect(() => storedApiKey(dataDir)).toThrow(/delete the file to generate a new key, or set API_KEYS/);
    expect(readFileSync(storedApiKeyPath(dataDir), 'utf8')).toBe('short\n');
  });
});
