'use strict';
// The synchronous Cache: node-redis's names and reply shapes, answered directly.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Cache, createClient, commandOptions, ErrorReply } = require('..');

test('strings, with options and buffers', () => {
  const c = new Cache();
  assert.equal(c.set('k', 'v'), 'OK');
  assert.equal(c.get('k'), 'v');
  assert.equal(c.get('missing'), null);
  assert.equal(c.set('k', 'w', { NX: true }), null);
  assert.equal(c.set('k', 'w', { XX: true, GET: true }), 'v');
  assert.equal(c.set('t', '1', { EX: 100 }), 'OK');
  assert.equal(c.ttl('t'), 100);
  assert.equal(c.setEx('t2', 50, 'x'), 'OK');
  assert.ok(c.pTTL('t2') <= 50000);
  assert.deepEqual(c.mGet(['k', 'missing']), ['w', null]);
  assert.equal(c.mSet({ a: '1', b: '2' }), 'OK');
  assert.equal(c.incr('a'), 2);
  assert.equal(c.incrBy('a', 10), 12);
  assert.equal(c.decrBy('a', 2), 10);
  assert.equal(c.incrByFloat('f', 1.5), '1.5');
  assert.equal(c.append('b', 'x'), 2);
  assert.equal(c.getRange('b', 0, 0), '2');
  const bin = Buffer.from([0, 1, 254, 255]);
  c.set(Buffer.from('bin'), bin);
  assert.deepEqual(c.getBuffer('bin'), bin);
  assert.deepEqual(c.get(commandOptions({ returnBuffers: true }), 'bin'), bin);
});

test('get reads every key and value shape exactly', () => {
  const c = new Cache();
  // Keys: short ASCII (the stack path), non-ASCII, and longer than the stack buffer; values:
  // ASCII, UTF-8, empty, and larger than the stack copy.
  const keys = ['k', 'clé', 'ключ🔑', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(5000), 'é'.repeat(300)];
  const values = ['v', 'héllo wörld', '', 'a'.repeat(512), 'b'.repeat(513), '€'.repeat(400)];
  for (const [i, k] of keys.entries()) c.set(k, values[i % values.length]);
  for (const [i, k] of keys.entries()) assert.equal(c.get(k), values[i % values.length], k.slice(0, 8));
  assert.equal(c.get('cl\u00e8'), null, 'a Latin-1 neighbour of a UTF-8 key is another key');
  assert.equal(c.get(Buffer.from('clé')), 'héllo wörld', 'Buffer keys take the general path');
  c.lPush('list', 'x');
  assert.throws(() => c.get('list'), (e) => e instanceof ErrorReply && /^WRONGTYPE/.test(e.message));
  assert.equal(c.get('k'), 'v', 'a failed get loses nothing');
  // set reads the same shapes (string values take the raw path) and reports engine errors.
  assert.equal(c.set('k', 'v2'), 'OK');
  assert.equal(c.get('k'), 'v2');
  const small = new Cache({ maxMemory: 4096 });
  assert.throws(() => small.set('big', 'x'.repeat(10000)), (e) => e instanceof ErrorReply && /^OOM/.test(e.message));
  assert.equal(small.get('big'), null);
});

test('keys, TTLs and SCAN', () => {
  const c = new Cache();
  for (let i = 0; i < 30; i++) c.set(`user:${i}`, String(i));
  c.set('other', 'x');
  assert.equal(c.exists('user:1'), 1);
  assert.equal(c.exists(['user:1', 'user:2', 'nope']), 2);
  assert.equal(c.expire('user:1', 10), true);
  assert.equal(c.expire('nope', 10), false);
  assert.equal(c.persist('user:1'), true);
  assert.equal(c.ttl('user:1'), -1);
  assert.equal(c.type('other'), 'string');
  assert.equal(c.rename('other', 'renamed'), 'OK');
  const { cursor, keys } = c.scan(0, { MATCH: 'user:*', COUNT: 10 });
  assert.equal(typeof cursor, 'number');
  assert.ok(keys.length > 0);
  assert.equal([...c.scanIterator({ MATCH: 'user:*' })].length, 30);
  assert.equal(c.keys('ren*').length, 1);
  assert.equal(c.del(['user:1', 'user:2']), 2);
  assert.equal(c.dbSize(), 29);
  assert.equal(c.flushAll(), 'OK');
  assert.equal(c.dbSize(), 0);
});

test('lists, hashes, sets and sorted sets', () => {
  const c = new Cache();
  assert.equal(c.rPush('l', ['a', 'b', 'c']), 3);
  assert.equal(c.lPush('l', 'z'), 4);
  assert.deepEqual(c.lRange('l', 0, -1), ['z', 'a', 'b', 'c']);
  assert.equal(c.lPop('l'), 'z');
  assert.equal(c.lLen('l'), 3);
  assert.equal(c.lIndex('l', -1), 'c');
  assert.equal(c.hSet('h', { a: '1', b: '2' }), 2);
  assert.equal(c.hSet('h', 'c', '3'), 1);
  assert.equal(c.hGet('h', 'a'), '1');
  assert.deepEqual({ ...c.hGetAll('h') }, { a: '1', b: '2', c: '3' });
  assert.equal(c.hIncrBy('h', 'a', 5), 6);
  assert.equal(c.hExists('h', 'a'), true);
  assert.equal(c.sAdd('s', ['x', 'y', 'x']), 2);
  assert.equal(c.sIsMember('s', 'x'), true);
  assert.deepEqual(c.sMembers('s').sort(), ['x', 'y']);
  assert.equal(c.zAdd('lb', [{ score: 50, value: 'alice' }, { score: 70, value: 'bob' }]), 2);
  assert.equal(c.zAdd('lb', { score: 60, value: 'carol' }, { NX: true }), 1);
  assert.deepEqual(c.zRangeWithScores('lb', 0, -1), [
    { value: 'alice', score: 50 }, { value: 'carol', score: 60 }, { value: 'bob', score: 70 },
  ]);
  assert.deepEqual(c.zRange('lb', 0, 0, { REV: true }), ['bob']);
  assert.deepEqual(c.zRange('lb', 55, '+inf', { BY: 'SCORE' }), ['carol', 'bob']);
  assert.equal(c.zRevRank('lb', 'alice'), 2);
  assert.equal(c.zScore('lb', 'bob'), 70);
  assert.equal(c.zScore('lb', 'nobody'), null);
  assert.equal(c.zIncrBy('lb', 5, 'alice'), 55);
  assert.equal(c.zCard('lb'), 3);
  assert.deepEqual(c.zPopMax('lb'), { value: 'bob', score: 70 });
});

test('errors carry Redis text and change nothing', () => {
  const c = new Cache();
  c.rPush('l', 'a');
  assert.throws(() => c.get('l'), (e) => e instanceof ErrorReply && e.message.startsWith('WRONGTYPE'));
  c.set('s', 'text');
  assert.throws(() => c.incr('s'), /ERR value is not an integer or out of range/);
  assert.equal(c.get('s'), 'text');
  assert.throws(() => c.zAdd('z', { score: NaN, value: 'x' }), /not a valid float/);
  assert.throws(() => c.sendCommand(['NOPE']), /unknown command/);
  assert.throws(() => new Cache({ evictionPolicy: 'bogus' }), /unknown eviction policy/);
  assert.throws(() => new Cache({ maxMemory: -1 }), /maxMemory/);
});

test('engine options and stats', () => {
  const c = new Cache({ maxEntries: 10, evictionPolicy: 'allkeys-lru', defaultTtl: 60 });
  for (let i = 0; i < 100; i++) c.set(`k${i}`, 'v');
  assert.ok(c.dbSize() <= 10);
  assert.ok(c.ttl('k99') > 0 && c.ttl('k99') <= 60);
  c.get('k99');
  c.get('missing');
  const s = c.stats();
  assert.ok(s.hits >= 1 && s.misses >= 1 && s.evictions >= 90);
});

test('TTLs expire', async () => {
  const c = new Cache();
  c.set('short', 'v', { PX: 20 });
  assert.equal(c.get('short'), 'v');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(c.get('short'), null);
});

test('blocking pops on the synchronous Cache return promises', async () => {
  const c = new Cache();
  setTimeout(() => c.rPush('jobs', 'job-1'), 10);
  assert.deepEqual(await c.brPop('jobs', 1), { key: 'jobs', element: 'job-1' });
  assert.equal(await c.blPop('jobs', 0.05), null);
});

test('active expiry fires expired events for untouched keys; activeExpiry: false turns it off', async () => {
  const cache = new Cache({ notifyKeyspaceEvents: 'Ex', hz: 100 });
  const client = createClient({ cache });
  await client.connect();
  const got = new Promise((resolve) => client.subscribe('__keyevent@0__:expired', resolve));
  await new Promise((r) => setTimeout(r, 10));
  cache.set('session', 's', { PX: 50 });
  const started = Date.now();
  assert.equal(await got, 'session');
  assert.ok(Date.now() - started < 1000);
  await client.quit();
  const off = new Cache({ activeExpiry: false });
  off.set('k', 'v', { PX: 1 });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(off.dbSize(), 1);
  assert.equal(off.get('k'), null);
});
