'use strict';
// createClient(): node-redis v4's shapes, lifecycle, blocking pops and pub/sub.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Cache, createClient, commandOptions, ErrorReply } = require('..');

async function open(cache = new Cache()) {
  const client = createClient({ socket: { host: 'ignored', port: 1 }, cache });
  await client.connect();
  return client;
}

test('lifecycle and events as node-redis', async () => {
  const client = createClient({ url: 'redis://localhost:6379', cache: new Cache() });
  const events = [];
  for (const e of ['connect', 'ready', 'end']) client.on(e, () => events.push(e));
  assert.equal(client.isOpen, false);
  await assert.rejects(client.get('k'), /The client is closed/);
  assert.equal(await client.connect(), client);
  assert.equal(client.isOpen && client.isReady, true);
  assert.equal(await client.ping(), 'PONG');
  assert.equal(await client.quit(), 'OK');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['connect', 'ready', 'end']);
  assert.equal(client.isOpen, false);
});

test('clients share one cache by default, as clients of one server do', async () => {
  const a = createClient();
  const b = createClient();
  await a.connect();
  await b.connect();
  await a.set('shared:key', 'from a');
  assert.equal(await b.get('shared:key'), 'from a');
  const dup = a.duplicate();
  await dup.connect();
  assert.equal(await dup.get('shared:key'), 'from a');
  await Promise.all([a.quit(), b.quit(), dup.quit()]);
});

test('a client asking for other engine options than the shared cache has throws; private clients do not share', async () => {
  const a = createClient();
  await a.connect();
  await a.set('shared:kept', '1');
  assert.throws(() => createClient({ maxEntries: 10 }), /shared cache was made with .*maxEntries: 10.*private: true/);
  const own = createClient({ maxEntries: 10, private: true });
  await own.connect();
  assert.equal(await own.get('shared:kept'), null);
  await own.set('shared:kept', 'own');
  assert.equal(await a.get('shared:kept'), '1');
  await Promise.all([a.quit(), own.quit()]);
});

test('GET as node-redis gives it, on the fast path and off it', async () => {
  const c = await open();
  await c.set('s', 'v');
  await c.hSet('h', 'f', 'v');
  await c.set('é', 'ü');
  assert.equal(await c.get('s'), 'v');
  assert.equal(await c.get('missing'), null);
  assert.equal(await c.get('é'), 'ü');
  assert.equal(await c.GET('s'), 'v');
  await assert.rejects(c.get('h'), (e) => e instanceof ErrorReply && /^WRONGTYPE/.test(e.message));
  assert.equal(await c.get(Buffer.from('s')), 'v');
  assert.deepEqual(await c.get(commandOptions({ returnBuffers: true }), 's'), Buffer.from('v'));
  assert.equal(await c.sendCommand(['GET', 's']), 'v');
  await assert.rejects(c.sendCommand(['GET', 's', 'extra']), /wrong number of arguments/);
  // The getter follows SELECT, and sees other clients' writes at once.
  await c.select(2);
  assert.equal(await c.get('s'), null);
  await c.set('s', 'two');
  assert.equal(await c.get('s'), 'two');
  await c.select(0);
  assert.equal(await c.get('s'), 'v');
  // SET too: plain on the fast path, with options or Buffers off it.
  assert.equal(await c.set('t', 'x'), 'OK');
  assert.equal(await c.get('t'), 'x');
  await c.select(3);
  assert.equal(await c.set('t', 'three'), 'OK');
  await c.select(0);
  assert.equal(await c.get('t'), 'x', 'the setter follows SELECT');
  assert.equal(await c.set('t', 'y', { NX: true }), null);
  assert.equal(await c.set(Buffer.from('t'), Buffer.from('z')), 'OK');
  assert.equal(await c.get('t'), 'z');
  await c.expire('t', 100);
  await c.set('t', 'w');
  assert.equal(await c.ttl('t'), -1, 'a plain SET clears the TTL');
  const other = c.duplicate();
  await other.connect();
  await other.set('s', 'w');
  assert.equal(await c.get('s'), 'w');
  await other.quit();
  await c.quit();
  await assert.rejects(c.get('s'), /closed/i);
});

test('reply shapes of node-redis v4', async () => {
  const c = await open();
  assert.equal(await c.set('k', 'v', { NX: true }), 'OK');
  assert.equal(await c.set('k', 'v', { NX: true }), null);
  assert.equal(await c.expire('k', 10), true);
  assert.deepEqual(await c.scan(0), { cursor: 0, keys: ['k'] });
  await c.zAdd('lb', [{ score: 1, value: 'a' }, { score: 2, value: 'b' }]);
  assert.deepEqual(await c.zRangeWithScores('lb', 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2 }]);
  assert.equal(await c.zRevRank('lb', 'a'), 1);
  assert.deepEqual(await c.sendCommand(['ZSCORE', 'lb', 'b']), '2');
  await c.hSet('h', { f: 'v' });
  assert.deepEqual({ ...(await c.hGetAll('h')) }, { f: 'v' });
  const keys = [];
  for await (const key of c.scanIterator({ MATCH: '*', COUNT: 1 })) keys.push(key);
  assert.deepEqual(keys.sort(), ['h', 'k', 'lb']);
  assert.deepEqual(await c.multi().set('m', '1').incr('m').get('m').exec(), ['OK', 2, '2']);
  await assert.rejects(c.incr('h'), /WRONGTYPE/);
  await c.quit();
});

test('blocking pops resolve from pushes in other async code, in FIFO order', async () => {
  const c = await open();
  const waiting = [c.brPop('queue', 5), c.brPop(['other', 'queue'], 5), c.blPop('queue', 5)];
  await new Promise((r) => setTimeout(r, 20));
  await c.lPush('queue', ['1', '2', '3']);
  const got = await Promise.all(waiting);
  assert.deepEqual(got.map((g) => g.element), ['1', '2', '3']);
  assert.equal(await c.brPop('queue', 0.05), null);
  await c.zAdd('z', { score: 5, value: 'm' });
  assert.deepEqual(await c.bzPopMin('z', 1), { key: 'z', value: 'm', score: 5 });
  setTimeout(() => c.rPush('src', 'x'), 10);
  assert.equal(await c.blMove('src', 'dst', 'LEFT', 'RIGHT', 1), 'x');
  assert.deepEqual(await c.lRange('dst', 0, -1), ['x']);
  await c.quit();
});

test('pub/sub on a duplicated client, patterns and keyspace notifications', async () => {
  const cache = new Cache({ notifyKeyspaceEvents: 'KEA' });
  const c = await open(cache);
  const sub = c.duplicate();
  await sub.connect();
  const got = [];
  const done = new Promise((resolve) => {
    sub.subscribe('news', (message, channel) => { got.push([channel, message]); });
    sub.pSubscribe('__keyspace@0__:user:*', (message, channel) => {
      got.push([channel, message]);
      if (got.length === 3) resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(await c.publish('news', 'hello'), 1);
  await c.set('user:1', 'ada');
  await c.del('user:1');
  await done;
  assert.deepEqual(got, [['news', 'hello'], ['__keyspace@0__:user:1', 'set'], ['__keyspace@0__:user:1', 'del']]);
  const buffers = [];
  await sub.subscribe('bin', (message) => buffers.push(message), true);
  await c.publish('bin', Buffer.from([1, 2]));
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(Buffer.isBuffer(buffers[0]));
  await sub.unsubscribe();
  await sub.pUnsubscribe();
  assert.equal(await c.publish('news', 'late'), 0);
  await Promise.all([sub.quit(), c.quit()]);
});

test('bitmaps through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  assert.equal(await client.setBit('seen', 7, 1), 0);
  assert.equal(await client.getBit('seen', 7), 1);
  await client.set('s', 'foobar');
  assert.equal(await client.bitCount('s'), 26);
  assert.equal(await client.bitCount('s', { start: 1, end: 1 }), 6);
  assert.equal(await client.bitPos('seen', 1), 7);
  assert.equal(await client.bitOp('NOT', 'n', 's'), 6);
  await client.quit();
});

test('zUnion, zInter, zDiff and zInterCard through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  await client.zAdd('a', [{ score: 1, value: 'x' }, { score: 2, value: 'y' }]);
  await client.zAdd('b', [{ score: 4, value: 'y' }]);
  assert.deepEqual(await client.zUnion(['a', 'b']), ['x', 'y']);
  assert.deepEqual(await client.zInterWithScores(['a', 'b']), [{ value: 'y', score: 6 }]);
  assert.deepEqual(await client.zDiff(['a', 'b']), ['x']);
  assert.equal(await client.zInterCard(['a', 'b']), 1);
  await client.quit();
});

test('blmPop and bzmPop wait without blocking the event loop', async () => {
  const client = createClient({ private: true });
  await client.connect();
  const waiting = client.blmPop(5, ['a', 'b'], 'RIGHT', { COUNT: 2 });
  // The push runs in a timer callback: the event loop turns while the pop waits.
  await new Promise((r) => setTimeout(r, 30));
  await client.rPush('b', ['1', '2', '3']);
  assert.deepEqual(await waiting, ['b', ['3', '2']]); // node-redis v4 leaves LMPOP's reply raw
  assert.deepEqual(await client.lRange('b', 0, -1), ['1']);
  await client.zAdd('z', [{ score: 1, value: 'low' }, { score: 3, value: 'high' }, { score: 2, value: 'mid' }]);
  assert.deepEqual(await client.bzmPop(1, 'z', 'MAX', { COUNT: 2 }), {
    key: 'z',
    elements: [{ value: 'high', score: 3 }, { value: 'mid', score: 2 }],
  });
  const later = client.bzmPop(5, 'z2', 'MIN', { COUNT: 3 });
  await new Promise((r) => setTimeout(r, 10));
  await client.zAdd('z2', [{ score: 5, value: 'x' }, { score: 4, value: 'y' }]);
  assert.deepEqual(await later, { key: 'z2', elements: [{ value: 'y', score: 4 }, { value: 'x', score: 5 }] });
  assert.equal(await client.blmPop(0.05, 'empty', 'LEFT'), null);
  await assert.rejects(client.blmPop(-1, 'b', 'LEFT'), /timeout is negative/);
  await client.quit();
});

test('objectEncoding, objectRefCount, memoryUsage and commandCount through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  await client.set('n', '42');
  await client.zAdd('z', { score: 1, value: 'a' });
  assert.equal(await client.objectEncoding('n'), 'int');
  assert.equal(await client.objectEncoding('z'), 'listpack');
  assert.equal(await client.objectEncoding('missing'), null);
  assert.equal(await client.objectRefCount('n'), 2147483647);
  await assert.rejects(client.objectFreq('n'), /LFU maxmemory policy is not selected/);
  assert.ok((await client.memoryUsage('z')) > 0);
  assert.equal(await client.memoryUsage('missing'), null);
  assert.ok((await client.commandCount()) > 100);
  await client.quit();
});

test('sort, sortRo and sortStore through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  await client.rPush('ids', ['3', '1', '2']);
  await client.mSet({ name_1: 'ada', name_2: 'grace', name_3: 'linus', age_1: '36', age_2: '85', age_3: '28' });
  assert.deepEqual(await client.sort('ids'), ['1', '2', '3']);
  assert.deepEqual(await client.sort('ids', { BY: 'age_*', GET: ['#', 'name_*'] }), ['3', 'linus', '1', 'ada', '2', 'grace']);
  assert.deepEqual(await client.sortRo('ids', { DIRECTION: 'DESC', LIMIT: { offset: 0, count: 2 } }), ['3', '2']);
  assert.equal(await client.sortStore('ids', 'sorted', { ALPHA: true }), 3);
  assert.deepEqual(await client.lRange('sorted', 0, -1), ['1', '2', '3']);
  await client.rPush('words', ['b', 'a']);
  await assert.rejects(client.sort('words'), /can't be converted into double/);
  await client.quit();
});

test('lcs, lcsLen and lcsIdxWithMatchLen through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  await client.mSet({ a: 'ohmytext', b: 'mynewtext' });
  assert.equal(await client.lcs('a', 'b'), 'mytext');
  assert.equal(await client.lcsLen('a', 'b'), 6);
  assert.deepEqual(await client.lcsIdxWithMatchLen('a', 'b'), {
    matches: [
      { key1: { start: 4, end: 7 }, key2: { start: 5, end: 8 }, length: 4 },
      { key1: { start: 2, end: 3 }, key2: { start: 0, end: 1 }, length: 2 },
    ],
    length: 6,
  });
  await client.quit();
});

test('pfAdd, pfCount and pfMerge through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  assert.equal(await client.pfAdd('day1', ['ada', 'grace', 'ada']), true);
  assert.equal(await client.pfAdd('day1', 'grace'), false);
  await client.pfAdd('day2', Array.from({ length: 1000 }, (_, i) => `user${i}`));
  assert.equal(await client.pfCount('day1'), 2);
  // An estimate (Redis's, to the byte: tests/differential.rs), within HyperLogLog's ~1%.
  const union = await client.pfCount(['day1', 'day2']);
  assert.ok(Math.abs(union - 1000) < 30, `${union}`);
  assert.equal(await client.pfMerge('both', ['day1', 'day2']), 'OK');
  assert.equal(await client.pfCount('both'), union);
  await client.set('text', 'plain');
  await assert.rejects(client.pfAdd('text', 'x'), /not a valid HyperLogLog/);
  await client.quit();
});

test('lmPop, zmPop and zRangeStore through the node-redis API', async () => {
  const client = createClient({ private: true });
  await client.connect();
  await client.rPush('l', ['a', 'b', 'c']);
  assert.deepEqual(await client.lmPop(['none', 'l'], 'LEFT', { COUNT: 2 }), ['l', ['a', 'b']]);
  await client.zAdd('z', [{ score: 1, value: 'x' }, { score: 2, value: 'y' }]);
  assert.equal(await client.zRangeStore('top', 'z', 0, 0, { REV: true }), 1);
  assert.deepEqual(await client.zRange('top', 0, -1), ['y']);
  const popped = await client.zmPop(['z'], 'MIN');
  assert.equal(popped.key, 'z');
  await client.quit();
});
