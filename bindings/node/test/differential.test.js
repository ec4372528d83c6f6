'use strict';
// A differential fuzzer of the Node API: seeded random node-redis v4 calls (camelCase, with
// node-redis's own argument and reply transformers), made on node-redis against a real
// redis-server and on ferricache's createClient, must resolve to the same values or reject
// with the same error class and message. FERRICACHE_NODE_FUZZ_ROUNDS runs longer than CI.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createClient, commandOptions } = require('..');
const { withServer } = require('../test-support/server');

/** mulberry32: a tiny seeded generator, so a seed names one sequence. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const INTS = [0, 1, -1, 2, 3, 10, 100, -3];
const FLOATS = [0, 1.5, -2.5, Infinity, -Infinity, 1e308, 3];
const VALUES = ['', 'v', 'hello', '10', '-5', '3.5', 'm1', 'x'.repeat(68)];
const MEMBERS = ['m1', 'm2', 'm3', 'a', 'b', '1', '2', 'f1', 'f2', 'v'];
const BOUNDS = ['-inf', '+inf', '(1', 2, '(2.5', 0, 1.5];
const LEX = ['-', '+', '[a', '(m1', '[m2'];
const SEED = [
  ['SET', 'a', 'hello'],
  ['SET', 'b', '10', 'EX', '1000'],
  ['HSET', 'c', 'f1', '1', 'f2', 'hello', 'm1', '1.5'],
  ['RPUSH', 'd', 'v', '10', 'hello', 'v'],
  ['SADD', 'e', 'm1', 'm2', 'm3', '1', '2'],
  ['ZADD', 'f', '1', 'm1', '2', 'm2', '2.5', 'm3', '0', 'a', '0', 'b'],
  ['SADD', 'g', '1', '2', '3'],
  ['MSET', 'w_m1', '3', 'w_m2', '1', 'w_1', '2', 'w_v', 'x', 'w_10', '-1', 'w_2', '5'],
];

function gen(r) {
  const pick = (pool) => pool[Math.floor(r() * pool.length)];
  const some = (f) => Array.from({ length: 1 + Math.floor(r() * 3) }, f);
  const k = () => pick(KEYS);
  const m = () => pick(MEMBERS);
  return { pick, some, k, m, ks: () => some(k), ms: () => some(m), i: () => pick(INTS), f: () => pick(FLOATS), v: () => pick(VALUES), b: () => r() < 0.3 };
}

const BF_TYPES = ['u8', 'i5', 'i64', 'u63', 'u1', 'u64', 'x'];
const BF_OFFSETS = [0, 7, 13, '#1', '#3', -1, 100];

function bitFieldOp(g) {
  const encoding = g.pick(BF_TYPES);
  const offset = g.pick(BF_OFFSETS);
  switch (g.pick(['GET', 'SET', 'INCRBY', 'OVERFLOW'])) {
    case 'GET': return { operation: 'GET', encoding, offset };
    case 'SET': return { operation: 'SET', encoding, offset, value: g.pick([0, 1, -1, 200, 300, -200]) };
    case 'INCRBY': return { operation: 'INCRBY', encoding, offset, increment: g.pick([1, -1, 100, 1000]) };
    default: return { operation: 'OVERFLOW', behavior: g.pick(['WRAP', 'SAT', 'FAIL']) };
  }
}

// [method, (g) => arguments]
const CALLS = [
  ['set', (g) => [g.k(), g.v(), g.b() ? { EX: g.pick([100000, 5]) } : g.b() ? { NX: true } : {}]],
  ['get', (g) => [g.k()]],
  ['getDel', (g) => [g.k()]],
  ['getEx', (g) => [g.k(), g.b() ? { PERSIST: true } : { PX: g.pick([100000, 5000]) }]],
  ['getRange', (g) => [g.k(), g.i(), g.i()]],
  ['getSet', (g) => [g.k(), g.v()]],
  ['incr', (g) => [g.k()]],
  ['incrBy', (g) => [g.k(), g.i()]],
  ['decrBy', (g) => [g.k(), g.i()]],
  ['incrByFloat', (g) => [g.k(), g.f()]],
  ['mGet', (g) => [g.ks()]],
  ['mSet', (g) => [{ [g.k()]: g.v(), [g.k()]: g.v() }]],
  ['mSetNX', (g) => [{ [g.k()]: g.v() }]],
  ['setNX', (g) => [g.k(), g.v()]],
  ['setRange', (g) => [g.k(), g.pick([0, 1, 5]), g.v()]],
  ['strLen', (g) => [g.k()]],
  ['append', (g) => [g.k(), g.v()]],
  ['lcs', (g) => [g.k(), g.k()]],
  ['setBit', (g) => [g.k(), g.pick([0, 1, 7, 100]), g.pick([0, 1])]],
  ['getBit', (g) => [g.k(), g.pick([0, 1, 7, 100])]],
  ['bitCount', (g) => [g.k(), ...(g.b() ? [{ start: 0, end: -1 }] : [])]],
  ['bitField', (g) => [g.k(), g.some(() => bitFieldOp(g))]],
  ['bitFieldRo', (g) => [g.k(), g.some(() => ({ encoding: g.pick(BF_TYPES), offset: g.pick(BF_OFFSETS) }))]],
  ['pfAdd', (g) => [g.k(), g.ms()]],
  ['pfCount', (g) => [g.ks()]],
  ['pfMerge', (g) => [g.k(), g.ks()]],
  ['sort', (g) => [g.k(), { ...(g.b() ? { BY: 'w_*' } : {}), ...(g.b() ? { GET: ['#', 'w_*'] } : {}), ...(g.b() ? { DIRECTION: 'DESC' } : {}) }]],
  ['sortStore', (g) => [g.k(), g.k(), { ALPHA: true, ...(g.b() ? { LIMIT: { offset: 1, count: 2 } } : {}) }]],
  ['del', (g) => [g.ks()]],
  ['exists', (g) => [g.ks()]],
  ['expire', (g) => [g.k(), g.pick([100000, 0, -5])]],
  ['persist', (g) => [g.k()]],
  ['ttl', (g) => [g.k()]],
  ['rename', (g) => [g.k(), g.k()]],
  ['renameNX', (g) => [g.k(), g.k()]],
  ['type', (g) => [g.k()]],
  ['touch', (g) => [g.ks()]],
  ['unlink', (g) => [g.ks()]],
  ['copy', (g) => [g.k(), g.k(), { replace: g.b() }]],
  // databases: both clients are one connection; each round ends comparing dbs 0 to 2
  ['select', (g) => [g.pick([0, 1, 2, 0, 1, 2, 16])]],
  ['copy', (g) => [g.k(), g.k(), { destinationDb: g.pick([0, 1, 2, 16]), replace: g.b() }]],
  ['move', (g) => [g.k(), g.pick([0, 1, 2, 16])]],
  ['swapDb', (g) => [g.pick([0, 1, 2]), g.pick([0, 1, 2, 16])]],
  ['flushDb', () => []],
  ['dbSize', () => []],
  ['hDel', (g) => [g.k(), g.ms()]],
  ['hExists', (g) => [g.k(), g.m()]],
  ['hGet', (g) => [g.k(), g.m()]],
  ['hGetAll', (g) => [g.k()]],
  ['hIncrBy', (g) => [g.k(), g.m(), g.i()]],
  ['hIncrByFloat', (g) => [g.k(), g.m(), g.f()]],
  ['hLen', (g) => [g.k()]],
  ['hmGet', (g) => [g.k(), g.ms()]],
  ['hSet', (g) => [g.k(), g.m(), g.v()]],
  ['hSetNX', (g) => [g.k(), g.m(), g.v()]],
  ['hStrLen', (g) => [g.k(), g.m()]],
  ['lIndex', (g) => [g.k(), g.i()]],
  ['lInsert', (g) => [g.k(), g.pick(['BEFORE', 'AFTER']), g.v(), g.v()]],
  ['lLen', (g) => [g.k()]],
  ['lMove', (g) => [g.k(), g.k(), g.pick(['LEFT', 'RIGHT']), g.pick(['LEFT', 'RIGHT'])]],
  ['lPop', (g) => [g.k()]],
  ['rPopCount', (g) => [g.k(), g.pick([1, 2, 5])]],
  ['lPos', (g) => [g.k(), g.v()]],
  ['lPush', (g) => [g.k(), g.some(g.v)]],
  ['rPush', (g) => [g.k(), g.some(g.v)]],
  ['lRange', (g) => [g.k(), g.i(), g.i()]],
  ['lRem', (g) => [g.k(), g.i(), g.v()]],
  ['lSet', (g) => [g.k(), g.i(), g.v()]],
  ['lTrim', (g) => [g.k(), g.i(), g.i()]],
  ['lmPop', (g) => [[g.k(), g.k()], g.pick(['LEFT', 'RIGHT']), { COUNT: g.pick([1, 3]) }]],
  ['sAdd', (g) => [g.k(), g.ms()]],
  ['sCard', (g) => [g.k()]],
  ['sIsMember', (g) => [g.k(), g.m()]],
  ['smIsMember', (g) => [g.k(), g.ms()]],
  ['sMove', (g) => [g.k(), g.k(), g.m()]],
  ['sRem', (g) => [g.k(), g.ms()]],
  ['sInterCard', (g) => [[g.k(), g.k()]]],
  ['sDiffStore', (g) => [g.k(), g.ks()]],
  ['sUnionStore', (g) => [g.k(), g.ks()]],
  ['zAdd', (g) => [g.k(), [{ score: g.f(), value: g.m() }], g.b() ? { NX: true } : g.b() ? { GT: true, CH: true } : {}]],
  ['zCard', (g) => [g.k()]],
  ['zCount', (g) => [g.k(), g.pick(BOUNDS), g.pick(BOUNDS)]],
  ['zIncrBy', (g) => [g.k(), g.f(), g.m()]],
  ['zScore', (g) => [g.k(), g.m()]],
  ['zmScore', (g) => [g.k(), g.ms()]],
  ['zRank', (g) => [g.k(), g.m()]],
  ['zRevRank', (g) => [g.k(), g.m()]],
  ['zRange', (g) => [g.k(), g.i(), g.i()]],
  ['zRange', (g) => [g.k(), g.pick(BOUNDS), g.pick(BOUNDS), { BY: 'SCORE' }]],
  ['zRange', (g) => [g.k(), g.pick(LEX), g.pick(LEX), { BY: 'LEX', LIMIT: { offset: 0, count: 2 } }]],
  ['zRangeWithScores', (g) => [g.k(), g.i(), g.i()]],
  ['zRangeByScore', (g) => [g.k(), g.pick(BOUNDS), g.pick(BOUNDS)]],
  ['zRangeByLex', (g) => [g.k(), g.pick(LEX), g.pick(LEX)]],
  ['zLexCount', (g) => [g.k(), g.pick(LEX), g.pick(LEX)]],
  ['zRem', (g) => [g.k(), g.ms()]],
  ['zRemRangeByRank', (g) => [g.k(), g.i(), g.i()]],
  ['zRemRangeByScore', (g) => [g.k(), g.pick(BOUNDS), g.pick(BOUNDS)]],
  ['zPopMin', (g) => [g.k()]],
  ['zPopMaxCount', (g) => [g.k(), g.pick([1, 2, 5])]],
  ['zUnionWithScores', (g) => [g.ks()]],
  ['zInter', (g) => [g.ks()]],
  ['zDiff', (g) => [g.ks()]],
  ['zUnionStore', (g) => [g.k(), g.ks()]],
  ['zInterCard', (g) => [[g.k(), g.k()]]],
  ['zmPop', (g) => [g.k(), g.pick(['MIN', 'MAX']), { COUNT: 2 }]],
  ['zRangeStore', (g) => [g.k(), g.k(), g.i(), g.i()]],
  ['blPop', (g) => [g.ks(), 0.01]],
  ['bzPopMin', (g) => [g.ks(), 0.01]],
  ['ping', () => []],
  ['echo', (g) => [g.v()]],
  ['publish', (g) => [g.m(), g.v()]],
];

const UNORDERED = new Set(['sInterCard']);

function comparable(outcome) {
  if (outcome[0] === 'ok' && Array.isArray(outcome[1]) && UNORDERED.has(outcome.name)) outcome[1].sort();
  return outcome;
}

/** Database `db`'s keys with their types and values, read through `client`. */
async function contents(client, db) {
  await client.select(db);
  const read = {
    string: (k) => client.get(commandOptions({ returnBuffers: true }), k).then((b) => b.toString('hex')),
    list: (k) => client.lRange(k, 0, -1),
    set: (k) => client.sMembers(k).then((m) => m.sort()),
    hash: (k) => client.hGetAll(k),
    zset: (k) => client.zRangeWithScores(k, 0, -1),
  };
  const out = {};
  for (const k of (await client.keys('*')).sort()) {
    const t = await client.type(k);
    out[k] = [t, read[t] ? await read[t](k) : null, (await client.ttl(k)) > 0];
  }
  return out;
}

async function run(client, method, args) {
  try {
    return ['ok', await client[method](...args)];
  } catch (e) {
    return ['rejected', e.constructor.name, e.message];
  }
}

test('node-redis calls agree with redis-server', async () => {
  const rounds = Number(process.env.FERRICACHE_NODE_FUZZ_ROUNDS || 200);
  await withServer(async (url, server) => {
    const ours = createClient({ private: true });
    await ours.connect();
    const failures = [];
    let agree = 0;
    let resolved = 0;
    for (let seed = 1; seed <= rounds; seed++) {
      const r = rng(seed);
      const g = gen(r);
      for (const c of [server, ours]) {
        await c.select(0);
        await c.flushAll();
        for (const cmd of SEED) await c.sendCommand(cmd);
      }
      const log = [];
      for (let step = 0; step < 40; step++) {
        const [method, make] = CALLS[Math.floor(r() * CALLS.length)];
        const args = make(g);
        log.push(`${method}(${JSON.stringify(args)})`);
        const theirs = comparable(await run(server, method, args));
        const mine = comparable(await run(ours, method, args));
        try {
          assert.deepStrictEqual(mine, theirs);
          agree++;
          if (theirs[0] === 'ok') resolved++;
        } catch {
          failures.push(`seed ${seed}: ${log.at(-1)}\n  node-redis: ${JSON.stringify(theirs)}\n  ferricache: ${JSON.stringify(mine)}\n  after: ${log.slice(0, -1).join(' | ')}`);
          break; // what follows may differ only because of this
        }
      }
      if (failures.length && failures.at(-1).startsWith(`seed ${seed}:`)) continue;
      for (const db of [0, 1, 2]) {
        const [theirs, mine] = [await contents(server, db), await contents(ours, db)];
        try {
          assert.deepStrictEqual(mine, theirs);
        } catch {
          failures.push(`seed ${seed}: after the round, db ${db}\n  node-redis: ${JSON.stringify(theirs)}\n  ferricache: ${JSON.stringify(mine)}\n  calls: ${log.join(' | ')}`);
        }
      }
    }
    await ours.quit();
    console.log(`node-redis calls: ${agree} agree (${resolved} resolved, the rest rejected alike), ${failures.length} rounds stopped at a difference`);
    // Keys of every type make WRONGTYPE common; values must still be most of a third.
    assert.ok(resolved > agree / 3, 'calls resolve: the comparison is of values, not only errors');
    assert.equal(failures.length, 0, failures.slice(0, 20).join('\n'));
  });
});

test('every fuzzed method exists on both clients', () => {
  const ours = createClient({ private: true });
  const theirs = require('redis').createClient();
  for (const [method] of CALLS) {
    assert.equal(typeof ours[method], 'function', method);
    assert.equal(typeof theirs[method], 'function', method);
  }
});
