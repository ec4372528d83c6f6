'use strict';
// Locks, rate limiters and atomic MULTI/EXEC.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Cache, createClient } = require('..');

test('locks: one holder, compare-and-delete release, extend', async () => {
  const c = new Cache();
  const lock = c.tryLock('lock:order:42', 5000);
  assert.ok(lock && lock.token.length > 0);
  assert.equal(c.tryLock('lock:order:42', 5000), null);
  assert.equal(lock.extend(20000), true);
  assert.ok(c.pTTL('lock:order:42') > 10000);
  assert.equal(lock.release(), true);
  assert.equal(lock.release(), false);
  const short = c.tryLock('short', 20);
  await new Promise((r) => setTimeout(r, 40));
  const next = c.tryLock('short', 1000);
  assert.ok(next);
  assert.equal(short.release(), false); // expired: the new holder keeps it
  assert.equal(c.exists('short'), 1);
  assert.throws(() => c.tryLock('x', 0), /at least 1 ms/);
});

test('rate limiters', () => {
  const c = new Cache();
  for (let i = 0; i < 3; i++) assert.equal(c.rateLimitFixed('rl', 3, 60).allowed, true);
  const refused = c.rateLimitFixed('rl', 3, 60);
  assert.equal(refused.allowed, false);
  assert.ok(refused.retryAfter > 0);
  assert.equal(c.rateLimitSliding('sl', 2, 60).allowed, true);
  const g = c.throttle('user:7', 15, 30, 60);
  assert.deepEqual([g.allowed, g.limit, g.remaining], [true, 16, 15]);
});

test('MULTI/EXEC is atomic against other clients', async () => {
  const cache = new Cache();
  const a = createClient({ cache });
  const b = createClient({ cache });
  await a.connect();
  await b.connect();
  await a.mSet({ x: '1000', y: '0' });
  let bad = 0;
  for (let i = 0; i < 300; i++) {
    const [, , x, y] = await a.multi().decrBy('x', 1).incrBy('y', 1).get('x').get('y').exec();
    const [bx, by] = await b.multi().get('x').get('y').exec();
    if (Number(x) + Number(y) !== 1000 || Number(bx) + Number(by) !== 1000) bad++;
  }
  assert.equal(bad, 0);
  assert.equal(await a.get('y'), '300');
  await a.rPush('list', 'v');
  // A command failing while running: the others applied, MultiErrorReply carries all.
  const failed = await a.multi().set('k', 'v', { EX: 100 }).incr('list').exists(['k', 'list', 'nope']).pTTL('k').exec()
    .then(() => null, (e) => e);
  assert.equal(failed.constructor.name, 'MultiErrorReply');
  assert.deepEqual(failed.errorIndexes, [1]);
  const replies = failed.replies;
  assert.equal(replies[0], 'OK');
  assert.match(replies[1].message, /WRONGTYPE/);
  assert.equal(replies[2], 2);
  assert.ok(replies[3] > 99000);
  assert.deepEqual(await a.multi().lPush('q', 'a').lRange('q', 0, -1).exec(), [1, ['a']]);
  await Promise.all([a.quit(), b.quit()]);
});
