// PostgreSQL only: the migrator's table look-ups stay inside our own schema, so another tenant (or test) dropping
// its schema while we start cannot fail our start (CI once failed with `schema "t_…" does not exist`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kysely } from 'kysely';
import { OwnSchemaPostgresDialect } from '../../src/persistence/pg-introspector.ts';
import { PG_URL, startHarness } from '../helpers/harness.ts';

const reachable = await (async () => {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
})();

describe('PostgreSQL introspection stays in our schema', { skip: !reachable && process.env.CI !== 'true' }, () => {
  const ours = `t_${randomBytes(6).toString('hex')}`;
  const theirs = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  let db: Kysely<unknown>;

  before(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${ours}; CREATE TABLE ${ours}.mine (id serial primary key, name text not null)`);
    await admin.query(`CREATE SCHEMA ${theirs}; CREATE TABLE ${theirs}.other (id int)`);
    const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${ours}`, max: 2 });
    db = new Kysely<unknown>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  });
  after(async () => {
    await db.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS ${ours} CASCADE; DROP SCHEMA IF EXISTS ${theirs} CASCADE`);
    await admin.end();
  });

  test('tables and columns of our schema only, as Kysely describes them', async () => {
    const tables = await db.introspection.getTables();
    assert.deepEqual(
      tables.map((t) => t.name),
      ['mine'],
    );
    const [mine] = tables;
    assert.equal(mine?.schema, ours);
    assert.deepEqual(
      mine?.columns.map((c) => [c.name, c.dataType, c.isNullable, c.isAutoIncrementing, c.hasDefaultValue]),
      [
        ['id', 'int4', false, true, true],
        ['name', 'text', false, false, false],
      ],
    );
  });

  test('starting (all migrations) while other schemas are created and dropped around it', async () => {
    let churning = true;
    const churn = (async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        for (let i = 0; churning && i < 200; i++) {
          const s = `t_churn_${randomBytes(4).toString('hex')}`;
          await c.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.x (id serial, v text); DROP SCHEMA ${s} CASCADE`);
        }
      } finally {
        await c.end();
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const h = await startHarness('postgres');
        await h.stop();
      }
    } finally {
      churning = false;
      await churn;
    }
  });
});
