'use strict';
// Transactions as node-redis v4 has them: watch(), unwatch(), multi().exec() with
// WatchError, MultiErrorReply and queueing errors, execAsPipeline(), executeIsolated().
// Each scenario runs on node-redis against a real redis-server and on ferricache's
// createClient, and the outcomes (values, error classes and messages) must be the same.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createClient } = require('..');
const { createClient: redisClient } = require('redis');
const { withServer } = require('../test-support/server');

async function outcome(promise) {
  try {
    return ['ok', await promise];
  } catch (e) {
    return ['rejected', e.constructor.name, e.message, e.replies?.map(String), e.errorIndexes];
  }
}

async function scenario(client, other) {
  const out = [];
  out.push(await outcome(client.multi().set('a', '1').incr('a').get('a').exec()));
  out.push(await outcome(client.multi().set('b', '1').lPush('b', 'x').incr('b').exec()));
  out.push(await client.get('b'));
  out.push(await outcome(client.multi().set('c', '1').addCommand(['NOSUCHCOMMAND', 'x']).set('d', '1').exec()));
  out.push([await client.get('c'), await client.get('d')]);
  out.push(await outcome(client.multi().exec()));
  out.push(await outcome(client.multi().set('e', '1').lPush('e', 'x').execAsPipeline()));
  // WATCH: another client's change fails the transaction; unchanged, it applies.
  await client.set('w', '10');
  out.push(await client.watch('w'));
  await other.set('w', '20');
  out.push(await outcome(client.multi().incr('w').exec()));
  out.push(await client.get('w'));
  await client.watch(['w', 'w2']);
  out.push(await outcome(client.multi().incr('w').exec()));
  await client.watch('w');
  out.push(await client.unwatch());
  await other.set('w', '0');
  out.push(await outcome(client.multi().incr('w').exec()));
  // executeIsolated: the isolated client's watch is its own.
  out.push(await client.executeIsolated(async (isolated) => {
    await isolated.watch('w');
    const value = Number(await isolated.get('w'));
    return outcome(isolated.multi().set('w', String(value + 5)).exec());
  }));
  out.push(await client.get('w'));
  // A blocking command inside MULTI does not block.
  out.push(await outcome(client.multi().blPop('empty', 0).exec()));
  return out;
}

test('transactions behave as node-redis v4 on a real redis-server', async () => {
  await withServer(async (url, db) => {
    await db.flushAll();
    const other = redisClient({ url });
    await other.connect();
    const expected = await scenario(db, other);
    await other.quit();
    const ours = createClient();
    await ours.connect();
    await ours.flushAll();
    const ourOther = ours.duplicate();
    await ourOther.connect();
    const got = await scenario(ours, ourOther);
    await ours.quit();
    await ourOther.quit();
    assert.deepEqual(got, expected);
    // The scenario did meet each case.
    assert.equal(expected[1][1], 'MultiErrorReply');
    assert.equal(expected[3][1], 'ErrorReply');
    assert.equal(expected[8][1], 'WatchError');
  });
});

test('exec is atomic against other clients', async () => {
  const client = createClient();
  await client.connect();
  await client.mSet(['a', '1000', 'b', '0']);
  let bad = 0;
  for (let i = 0; i < 500; i++) {
    await client.multi().decrBy('a', 1).lPush('log', 'x').hIncrBy('h', 'n', 1).incrBy('b', 1).exec();
    const [a, b] = await client.multi().get('a').get('b').exec();
    if (Number(a) + Number(b) !== 1000) bad++;
  }
  assert.equal(bad, 0);
  assert.equal(await client.get('b'), '500');
  assert.equal(await client.lLen('log'), 500);
  await client.quit();
});
