'use strict';
// DUMP and RESTORE through node-redis v4's API: a payload (a Buffer, with returnBuffers)
// moves a key from redis-server to ferricache and back, and RESTORE's errors are Redis's.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createClient, commandOptions } = require('..');
const { withServer } = require('../test-support/server');

const raw = commandOptions({ returnBuffers: true });

async function outcome(promise) {
  try {
    return ['ok', await promise];
  } catch (e) {
    return ['rejected', e.constructor.name, e.message];
  }
}

test('payloads move keys between redis-server and ferricache', async () => {
  await withServer(async (url, server) => {
    const ours = createClient({ private: true });
    await ours.connect();
    await server.zAdd('lb', [{ score: 1.5, value: 'ada' }, { score: -2, value: 'bob' }]);
    await server.rPush('q', ['a', '1', 'x'.repeat(100)]);
    for (const key of ['lb', 'q']) {
      const payload = await server.dump(raw, key);
      assert.ok(Buffer.isBuffer(payload));
      assert.equal(await ours.restore(key, 0, payload), 'OK');
    }
    assert.deepEqual(await ours.zRangeWithScores('lb', 0, -1), await server.zRangeWithScores('lb', 0, -1));
    assert.deepEqual(await ours.lRange('q', 0, -1), await server.lRange('q', 0, -1));
    const back = await ours.dump(raw, 'q');
    assert.equal(await server.restore('q2', 0, back), 'OK');
    assert.deepEqual(await server.lRange('q2', 0, -1), await ours.lRange('q', 0, -1));
    // Errors, side by side.
    for (const [key, ttl, payload, options] of [
      ['q', 0, back, undefined],
      ['n', -1, back, undefined],
      ['n', 0, Buffer.from('junk'), undefined],
      ['n', 0, back, { FREQ: 300 }],
      ['q', 0, back, { REPLACE: true, IDLETIME: 10 }],
    ]) {
      assert.deepEqual(await outcome(ours.restore(key, ttl, payload, options)),
        await outcome(server.restore(key, ttl, payload, options)), `${key} ${ttl} ${JSON.stringify(options)}`);
    }
    assert.equal(await ours.dump(raw, 'missing'), null);
    await ours.quit();
  });
});

test('snapshots: save, bgSave and lastSave as node-redis, and a warm restart', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { Cache } = require('..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferricache-node-snap-'));
  const file = path.join(dir, 'dump.rdb');
  try {
    const cache = new Cache({ snapshotPath: file });
    cache.set('user:1', 'Ada');
    cache.zAdd('lb', [{ score: 3, value: 'ada' }]);
    assert.equal(cache.save(), 'OK');
    assert.ok(cache.lastSave() instanceof Date);
    const warm = new Cache({ snapshotPath: file });
    assert.equal(warm.get('user:1'), 'Ada');
    assert.equal(warm.zScore('lb', 'ada'), 3);
    const client = createClient({ cache });
    await client.connect();
    await client.set('user:2', 'Bob');
    assert.equal(await client.bgSave(), 'Background saving started');
    let loaded = null;
    for (let i = 0; i < 200 && loaded !== 'Bob'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      loaded = new Cache({ snapshotPath: file }).get('user:2');
    }
    assert.equal(loaded, 'Bob');
    await client.quit();
    fs.writeFileSync(file, 'REDIS0010 garbage');
    assert.throws(() => new Cache({ snapshotPath: file }), /dump\.rdb/);
    assert.throws(() => new Cache().save(), /no snapshot path/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a lenient snapshot load skips streams and functions', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { Cache } = require('..');
  // Written by redis-server 7.0 (tests/data/make_stream_rdb.sh): a string, a stream with
  // a consumer group, and a function library.
  const fixture = path.join(__dirname, '..', '..', '..', 'tests', 'data', 'redis7-stream-and-function.rdb');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferricache-node-lenient-'));
  const file = path.join(dir, 'backup.rdb');
  try {
    fs.copyFileSync(fixture, file);
    assert.throws(() => new Cache({ snapshotPath: file }), /not supported/);
    const cache = new Cache({ snapshotPath: file, snapshotLenient: true });
    assert.equal(cache.get('kept'), 'yes');
    assert.equal(cache.dbSize(), 1);
    const info = cache.info('persistence');
    assert.match(info, /rdb_load_skipped_streams:1\r\n/);
    assert.match(info, /rdb_load_skipped_functions:1\r\n/);
    assert.match(info, /rdb_load_skipped_modules:0\r\n/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
