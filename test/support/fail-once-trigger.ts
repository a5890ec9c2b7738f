import type { DataSource } from 'typeorm';

/**
 * The local failure the no-half-writes tests inject after an upstream call: a trigger that, once armed, fails the next
 * INSERT into `table` (whose row matches `when`, an SQL condition on NEW) and then lets inserts through again.
 * Returns the function that arms it. The count is a sequence because a raised error rolls back any table write.
 */
export async function installFailOnceTrigger(
  dataSource: DataSource,
  table: string,
  when?: string,
): Promise<() => Promise<void>> {
  await dataSource.query(`CREATE SEQUENCE "test_fail_once" START WITH 2 MINVALUE 1`);
  await dataSource.query(`
    CREATE FUNCTION "test_fail_once"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('test_fail_once') = 1 THEN
        RAISE EXCEPTION 'injected local failure after the upstream call';
      END IF;
      RETURN NEW;
    END $$`);
  await dataSource.query(`
    CREATE TRIGGER "test_fail_once" BEFORE INSERT ON "${table}"
    FOR EACH ROW ${when ? `WHEN (${when}) ` : ''}EXECUTE FUNCTION "test_fail_once"()`);
  return async () => {
    await dataSource.query(`ALTER SEQUENCE "test_fail_once" RESTART WITH 1`);
  };
}
