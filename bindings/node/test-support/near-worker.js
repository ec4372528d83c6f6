'use strict';
// One process of the near-cache tests (test/near.test.js): `node near-worker.js ROLE URL INDEX`.
// It runs ROLE with its own near cache on the server at URL and sends its result to the
// parent. Rendezvous between processes go through counters on the server.
const { createClient } = require('..');
const { createClient: redisClient } = require('redis');
const FerriStore = require('../session');
const RedisStore = require('connect-redis').default;

const [role, url, index] = process.argv.slice(2);
const i = Number(index);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(db, key, n, within = 20_000) {
  const deadline = Date.now() + within;
  while (Number(await db.get(key)) < n) {
    if (Date.now() > deadline) throw new Error(`rendezvous ${key} never reached ${n}`);
    await sleep(5);
  }
}

const roles = {
  // Cache-aside: process 0 updates the database, invalidates and refills; 1 and 2 read.
  async cacheAside(near, db) {
    await db.incr('ready');
    await waitFor(db, 'ready', 3);
    if (i === 0) {
      const acked = [];
      for (let v = 1; v <= 60; v++) {
        await db.set('db:user:1', String(v));
        await near.del('user:1');
        await near.set('user:1', String(v), { EX: 60 });
        acked.push([Date.now(), v]);
        await sleep(10);
      }
      await db.set('done', '1');
      return acked;
    }
    const reads = [];
    while (!(await db.exists('done'))) {
      const started = Date.now();
      const v = (await near.get('user:1')) ?? (await db.get('db:user:1')) ?? '0';
      reads.push([started, Number(v)]);
    }
    return reads;
  },

  // Sessions: 0 logs in (FerriStore over a near cache), 1 reads it through connect-redis
  // over a near client, 2 reads it through FerriStore; then 0 logs out everywhere.
  async sessions(near, db) {
    const store = i === 1 ? new RedisStore({ client: near }) : new FerriStore({ client: near });
    const call = (m, ...a) => new Promise((res, rej) => store[m](...a, (e, v) => (e ? rej(e) : res(v))));
    const sid = 'sess-1';
    if (i === 0) {
      await call('set', sid, { cookie: { maxAge: 60_000 }, user: 42 });
      await db.set('logged-in', '1');
      await waitFor(db, 'seen', 2);
      await call('destroy', sid);
      await db.set('logged-out', '1');
      return 'logged in and out';
    }
    await waitFor(db, 'logged-in', 1);
    const seen = (await call('get', sid))?.user;
    await db.incr('seen');
    await waitFor(db, 'logged-out', 1);
    const deadline = Date.now() + 500;
    while ((await call('get', sid)) != null) {
      if (Date.now() > deadline) return 'still logged in after the logout';
      await sleep(5);
    }
    return `saw user ${seen}, then the logout`;
  },

  async rateLimits(near, db) {
    await db.incr('ready');
    await waitFor(db, 'ready', 3);
    const sync = near.cache;
    let byHand = 0, fixed = 0, gcra = 0;
    for (let n = 0; n < 40; n++) {
      const count = await near.incr('rate:by-hand');
      if (count === 1) await near.expire('rate:by-hand', 60);
      byHand += count <= 50;
      fixed += sync.rateLimitFixed('rate:fixed', 50, 60).allowed;
      gcra += sync.throttle('rate:gcra', 29, 1, 3600).allowed;
    }
    return [byHand, fixed, gcra];
  },

  async lock(near, db) {
    await db.incr('ready');
    await waitFor(db, 'ready', 3);
    const sync = near.cache;
    for (let n = 0; n < 10; n++) {
      let lock;
      while (!(lock = sync.tryLock('lock:counter', 5000))) await sleep(1);
      const v = Number((await near.get('counter')) ?? 0);
      await sleep(1);
      await near.set('counter', String(v + 1));
      if (!lock.release()) throw new Error('the lock was not ours at release');
    }
    return 10;
  },

  async queue(near, db) {
    await db.incr('ready');
    await waitFor(db, 'ready', 3);
    if (i < 2) {
      for (let n = 0; n < 50; n++) await near.lPush('queue:db-writes', `p${i}:${n}`);
      return [];
    }
    const jobs = [];
    while (jobs.length < 100) {
      const got = await near.brPop('queue:db-writes', 10);
      if (!got) break;
      jobs.push(got.element);
    }
    return jobs;
  },

  async leaderboard(near, db) {
    await db.incr('ready');
    await waitFor(db, 'ready', 3);
    for (let n = 0; n < 50; n++) {
      await near.zIncrBy('lb', 1, `player:${i}`);
      await near.zIncrBy('lb', 1 + i, 'everyone');
    }
    await db.incr('finished');
    await waitFor(db, 'finished', 3);
    const want = JSON.stringify(await db.zRangeWithScores('lb', 0, -1));
    const deadline = Date.now() + 500;
    while (JSON.stringify(await near.zRangeWithScores('lb', 0, -1)) !== want) {
      if (Date.now() > deadline) throw new Error('the local leaderboard never caught up');
      await sleep(5);
    }
    return [await near.zRangeWithScores('lb', 0, -1), await near.zRevRank('lb', 'everyone')];
  },

  async pubsub(near, db) {
    if (i === 0) {
      await waitFor(db, 'subscribed', 2);
      return near.publish('news', 'hello');
    }
    const got = new Promise((resolve) => near.subscribe('news', (message) => resolve(message)));
    await db.incr('subscribed');
    return Promise.race([got, sleep(5000).then(() => null)]);
  },
};

(async () => {
  const near = createClient({ url, remote: true, private: true, maxStaleness: 0.4 });
  await near.connect();
  const db = redisClient({ url });
  await db.connect();
  try {
    process.send({ ok: await roles[role](near, db) });
  } catch (e) {
    process.send({ error: String(e.stack || e) });
  } finally {
    await db.quit();
    await near.quit();
  }
})();
