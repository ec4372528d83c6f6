'use strict';
// Near-cache mode from Node, and the lesson's patterns across OS processes: each test
// starts its own redis-server (or the server named by FERRICACHE_TEST_SERVER; the test
// command runs this file again against Valkey 9) on a free loopback port, in a temporary
// --dir with --save ''. Three worker processes, each with its own
// near cache on that server (test-support/near-worker.js); node-redis v4 checks the server directly.
const test = require('node:test');
const assert = require('node:assert/strict');
const { fork } = require('node:child_process');
const path = require('node:path');
const { Cache, createClient, ErrorReply } = require('..');
const { withServer } = require('../test-support/server');

const BOUND = 500; // ms a process may see an old value after another's write

/** Runs ROLE in three processes; their results. */
function inProcesses(role, url, n = 3) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => new Promise((resolve, reject) => {
      const child = fork(path.join(__dirname, '..', 'test-support', 'near-worker.js'), [role, url, String(i)]);
      child.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.ok)));
      child.once('exit', (code) => code && reject(new Error(`worker ${role} ${i} exited ${code}`)));
    })),
  );
}

test('a near cache reads locally, sees other clients\' writes, and keeps the event loop free', () => withServer(async (url, db) => {
  await db.set('user:1', 'ada');
  const sync = new Cache({ remote: url, maxStaleness: 0.4 });
  assert.equal(sync.isNearCache, true);
  assert.equal(new Cache().isNearCache, false);
  for (let n = 0; n < 20; n++) assert.equal(sync.get('user:1'), 'ada');
  const s = sync.nearCacheStats();
  assert.equal(s.fetches, 1);
  assert.equal(s.localHits, 19);
  assert.equal(s.connected, true);

  const client = createClient({ url, remote: true, private: true });
  await client.connect();
  assert.equal(await client.get('user:1'), 'ada'); // a miss: on the thread pool
  const fetches = client.cache.nearCacheStats().fetches;
  for (let n = 0; n < 20; n++) assert.equal(await client.get('user:1'), 'ada');
  assert.equal(client.cache.nearCacheStats().fetches, fetches, 'hits stayed local');
  await db.set('user:1', 'grace');
  const deadline = Date.now() + BOUND;
  while ((await client.get('user:1')) !== 'grace') assert.ok(Date.now() < deadline, 'the write never reached the copy');
  assert.equal(await client.incrBy('hits', 5), 5);
  assert.equal(await db.get('hits'), '5');
  await assert.rejects(client.hSet('user:1', 'f', 'v'), /WRONGTYPE/);
  await db.hSet('profile:1', 'f', 'v');
  for (let n = 0; n < 2; n++) {
    await assert.rejects(client.get('profile:1'), (e) => e instanceof ErrorReply && /^WRONGTYPE/.test(e.message));
  }
  assert.equal(await client.get('nobody'), null);
  const before = client.cache.nearCacheStats();
  assert.equal(await client.get('nobody'), null);
  const after = client.cache.nearCacheStats();
  assert.equal(after.fetches, before.fetches, 'the second read of a missing key stayed local');
  assert.equal(after.negativeHits, before.negativeHits + 1);
  // A blocking pop waits on the server while the loop runs.
  const popped = client.blPop('jobs', 5);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await new Promise((r) => setTimeout(r, 100));
  await db.rPush('jobs', 'job-1');
  assert.deepEqual(await popped, { key: 'jobs', element: 'job-1' });
  clearInterval(timer);
  assert.ok(ticks > 5, `the event loop ran while the pop waited (${ticks} ticks)`);
  const info = await client.info('nearcache');
  assert.match(info, /near_cache_connected:1/);
  await client.quit();
  // The engine's URL is ignored without remote, as before.
  const local = createClient({ url, private: true });
  await local.connect();
  assert.equal(await local.get('user:1'), null);
  await local.quit();
  assert.throws(() => new Cache({ remote: 'redis://127.0.0.1:1/0', connectTimeout: 0.3 }), /remote server unavailable/);
  assert.throws(() => new Cache({ maxStaleness: 1 }), /maxStaleness needs remote/);
}));

test('cache-aside: an update invalidates every process\'s copy within the bound', () => withServer(async (url) => {
  const [acked, ...readers] = await inProcesses('cacheAside', url);
  const reads = readers.flat();
  assert.ok(reads.length > 100, 'the readers read');
  const stale = reads.filter(([t, v]) => v < Math.max(0, ...acked.filter(([at]) => at < t - BOUND).map(([, av]) => av)));
  assert.deepEqual(stale, []);
}));

test('sessions: a login in one process is seen by the others; a logout ends it everywhere', () => withServer(async (url) => {
  assert.deepEqual(await inProcesses('sessions', url), [
    'logged in and out', 'saw user 42, then the logout', 'saw user 42, then the logout',
  ]);
}));

test('rate limits hold across processes', () => withServer(async (url, db) => {
  const results = await inProcesses('rateLimits', url);
  const totals = [0, 1, 2].map((k) => results.reduce((a, r) => a + r[k], 0));
  assert.deepEqual(totals, [50, 50, 30]);
  const ttl = await db.ttl('rate:by-hand');
  assert.ok(ttl > 0 && ttl <= 60);
}));

test('a lock excludes every process', () => withServer(async (url, db) => {
  const done = await inProcesses('lock', url);
  assert.equal(done.reduce((a, b) => a + b), 30);
  assert.equal(await db.get('counter'), '30');
  assert.equal(await db.exists('lock:counter'), 0);
}));

test('a write-behind queue delivers every job exactly once', () => withServer(async (url) => {
  const jobs = (await inProcesses('queue', url))[2];
  const want = [0, 1].flatMap((p) => Array.from({ length: 50 }, (_, n) => `p${p}:${n}`));
  assert.deepEqual([...jobs].sort(), want.sort());
}));

test('a leaderboard updated by every process reads the same everywhere', () => withServer(async (url) => {
  const results = await inProcesses('leaderboard', url);
  for (const r of results) assert.deepEqual(r, results[0]);
  const [ranking, rank] = results[0];
  assert.equal(rank, 0);
  assert.deepEqual(ranking.at(-1), { value: 'everyone', score: 300 });
}));

test('a message published in one process reaches the others', () => withServer(async (url) => {
  const [published, ...received] = await inProcesses('pubsub', url);
  assert.equal(published, 2);
  assert.deepEqual(received, ['hello', 'hello']);
}));

test('near cache: transactions run on the server, with watch()', async () => {
  await withServer(async (url, db) => {
    const a = createClient({ url, remote: true, private: true });
    const b = createClient({ url, remote: true, private: true });
    await a.connect();
    await b.connect();
    await a.set('n', '1');
    await a.watch('n');
    await b.set('n', '100'); // another process's write
    await assert.rejects(a.multi().incr('n').exec(), (e) => e.constructor.name === 'WatchError');
    assert.equal(await db.get('n'), '100');
    await a.watch('n');
    const value = Number(await a.get('n'));
    assert.deepEqual(await a.multi().set('n', String(value + 1)).incr('hits').exec(), ['OK', 1]);
    assert.equal(await db.get('n'), '101');
    assert.equal(await a.get('n'), '101'); // its own write, not a stale copy
    await Promise.all([a.quit(), b.quit()]);
  });
});

test('signals landing during round trips fail nothing (a SIGCHLD-heavy process)', () => withServer(async (url, db) => {
  let caught = 0;
  const onSignal = () => caught++;
  process.on('SIGUSR2', onSignal);
  const { spawn } = require('node:child_process');
  const pelter = spawn('sh', ['-c', `while kill -USR2 ${process.pid} 2>/dev/null; do sleep 0.001; done`]);
  try {
    let increments = 0;
    for (let round = 0; round < 4; round++) {
      const sync = new Cache({ remote: url, maxStaleness: 0.4 }); // connects while signalled
      const client = createClient({ url, remote: true, private: true });
      await client.connect();
      for (let i = 0; i < 100; i++) {
        sync.set(`k:${round}:${i}`, 'v');
        assert.equal(sync.get(`missing:${round}:${i}`), null);
        sync.incr('counter');
        assert.equal(await client.get(`absent:${round}:${i}`), null);
        await client.incr('counter');
        increments += 2;
      }
      assert.equal(sync.nearCacheStats().reconnects, 0);
      await client.quit();
    }
    await new Promise((r) => setTimeout(r, 50)); // let the loop run the handlers
    assert.ok(caught > 20, `only ${caught} signals were handled`);
    assert.equal(Number(await db.get('counter')), increments);
  } finally {
    pelter.kill();
    process.off('SIGUSR2', onSignal);
  }
}));
