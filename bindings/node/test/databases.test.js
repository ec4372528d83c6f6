'use strict';
// Databases as node-redis v4 reaches them: the URL's database, `database`, select() (also
// inside multi()), move, swapDb, copy with destinationDb, flushDb, INFO keyspace, WATCH.
// The scenario runs on node-redis against a real redis-server and on ferricache's
// createClient; the outcomes must be the same. Then the synchronous Cache's own.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Cache, createClient } = require('..');
const { createClient: redisClient } = require('redis');
const { withServer } = require('../test-support/server');

async function outcome(promise) {
  try {
    return ['ok', await promise];
  } catch (e) {
    return ['rejected', e.constructor.name, e.message];
  }
}

/** `open(options)` makes a connected client of the side under test. */
async function scenario(open) {
  const out = [];
  const zero = await open({});
  const three = await open({ database: 3 });
  await zero.flushAll();
  await zero.set('k', 'zero');
  await zero.set('j', 'zero', { EX: 100 });
  await three.set('k', 'three');
  out.push([await zero.get('k'), await three.get('k'), await zero.dbSize(), await three.dbSize()]);
  out.push(await outcome(zero.select(16)));
  out.push(await zero.get('k'), 'still db 0');
  out.push(await zero.select(3), await zero.get('k'));
  out.push(await zero.sendCommand(['SELECT', '0']), await zero.get('k'));
  out.push(await zero.move('k', 3), await zero.move('k', 4), await zero.get('k'));
  out.push(await zero.move('j', 4), await zero.move('j', 4));
  out.push(await outcome(zero.move('k', 0)));
  out.push(await zero.copy('k', 'k', { destinationDb: 5 }), await zero.copy('k', 'k', { destinationDb: 5 }));
  await zero.select(3);
  out.push(await zero.copy('k', 'k', { destinationDb: 5 }), await zero.copy('k', 'k', { destinationDb: 5 }));
  out.push(await zero.copy('k', 'k', { destinationDb: 5, replace: true }));
  await zero.select(0);
  out.push(await zero.swapDb(4, 5), await outcome(zero.swapDb(0, 99)), await outcome(zero.swapDb('x', 0)));
  await zero.select(4);
  out.push(await zero.get('k'), await zero.dbSize());
  out.push(await zero.multi().set('m', '1').select(6).set('m', '6').exec(), await zero.get('m'));
  await zero.select(0);
  out.push((await zero.info('keyspace')).split('\r\n').filter((l) => l.startsWith('db')).map((l) => l.replace(/avg_ttl=\d+/, '')));
  // WATCH is per database: a change to the same name elsewhere does not abort.
  const watcher = await open({ database: 7 });
  await watcher.set('w', '1');
  await watcher.watch('w');
  await zero.set('w', 'db0');
  out.push(await outcome(watcher.multi().incr('w').exec()));
  await watcher.watch('w');
  const seven = await open({ database: 7 });
  await seven.set('w', 'changed');
  out.push(await outcome(watcher.multi().incr('w').exec()));
  out.push(await zero.flushDb(), await zero.dbSize(), await seven.dbSize());
  for (const c of [zero, three, watcher, seven]) await c.quit();
  return out;
}

test('databases behave as on redis-server through node-redis', async () => {
  await withServer(async (url) => {
    const theirs = await scenario(async (o) => {
      const c = redisClient({ url: url.replace(/\/0$/, ''), ...o });
      await c.connect();
      return c;
    });
    const cache = new Cache();
    const ours = await scenario(async (o) => {
      const c = createClient({ cache, ...o });
      await c.connect();
      return c;
    });
    assert.deepStrictEqual(ours, theirs);
  });
});

test('the URL names the database, over `database`', async () => {
  const cache = new Cache();
  const c = createClient({ cache, url: 'redis://localhost:6379/2', database: 5 });
  await c.connect();
  await c.set('k', 'v');
  assert.equal(cache.select(2), undefined);
  assert.equal(cache.get('k'), 'v');
  assert.throws(() => createClient({ cache, url: 'redis://localhost/x' }), /Invalid pathname/);
  const far = createClient({ cache, database: 99 });
  await assert.rejects(far.connect(), /DB index is out of range/);
  await c.quit();
});

test('the synchronous Cache selects, and keeps its fast paths per database', () => {
  const c = new Cache();
  c.set('k', 'zero');
  c.select(1);
  assert.equal(c.get('k'), null, 'the fast GET reads db 1 now');
  c.set('k', 'one');
  c.incr('n');
  assert.equal(c.sendCommand(['SELECT', '0']), 'OK');
  assert.equal(c.get('k'), 'zero');
  assert.equal(c.exists('n'), 0);
  const one = new Cache({ database: 1 });
  assert.equal(one.get('k'), null, 'a new Cache is a new engine');
  assert.throws(() => c.select(16), /DB index is out of range/);
  assert.equal(c.get('k'), 'zero', 'a refused SELECT leaves the database as it was');
  assert.equal(c.swapDb(0, 1), 'OK');
  assert.equal(c.get('k'), 'one');
  assert.deepEqual(c.info('keyspace').split('\r\n').filter((l) => l.startsWith('db')), [
    'db0:keys=2,expires=0,avg_ttl=0',
    'db1:keys=1,expires=0,avg_ttl=0',
  ]);
});

test('keyspace notifications name the database', async () => {
  const cache = new Cache({ notifyKeyspaceEvents: 'KEA' });
  const sub = createClient({ cache });
  await sub.connect();
  const got = [];
  await sub.pSubscribe('__keyspace@4__:*', (message, channel) => got.push([channel, message]));
  cache.select(4);
  cache.set('k', 'v');
  cache.select(0);
  cache.set('k', 'v');
  for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, [['__keyspace@4__:k', 'set']]);
  await sub.quit();
});
