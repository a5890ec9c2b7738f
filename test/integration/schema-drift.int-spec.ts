import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The entities are the truth of the schema: on a database built by the migrations, what `npm run migration:generate`
 * would write must be nothing. A migration without its entity declaration (or the other way round) fails here, before
 * someone generates a migration that drops an index, a CHECK or a foreign key nobody meant to touch.
 */
describe('schema drift between the entities and the migrations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a generated migration on the migrated database would be empty', async () => {
    const dataSource = t.app.get(DataSource);
    expect(await dataSource.showMigrations()).toBe(false);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });
});
