'use strict';
// get and set rates of ferricache's Cache and createClient beside lru-cache, node-cache and
// node-redis against a local redis-server, in one run (tinybench; each sample is a batch of
// calls; tasks take turns over several rounds), plus V8 heap used by 1M entries.
//   bash scripts/bench-node.sh     (starts redis-server on loopback, runs this, stops it)
const { Bench } = require('tinybench');
const { execFileSync } = require('node:child_process');
const { LRUCache } = require('lru-cache');
const NodeCache = require('node-cache');
const redis = require('redis');
const { Cache, createClient } = require('..');
const native = require('../native.js');

const KEYS = Array.from({ length: 1000 }, (_, i) => `key:${i}`);
const VALUE = 'x'.repeat(64);
const SYNC_BATCH = 1000;
const ASYNC_BATCH = 100;
const ROUNDS = 9;

function heapMb(kind) {
  const script = `
    const { Cache } = require(${JSON.stringify(require.resolve('..'))});
    const { LRUCache } = require(${JSON.stringify(require.resolve('lru-cache'))});
    global.gc(); const before = process.memoryUsage().heapUsed;
    const store = ${kind === 'ferricache' ? 'new Cache()' : 'new LRUCache({ max: 2_000_000 })'};
    for (let i = 0; i < 1_000_000; i++) store.set('key:' + i, 'value:' + i);
    global.gc(); const after = process.memoryUsage().heapUsed;
    if (!store.get('key:999999')) throw new Error('lost an entry');
    process.stdout.write(String((after - before) / 1048576));`;
  return Number(execFileSync(process.execPath, ['--expose-gc', '-e', script]));
}

async function main() {
  const port = Number(process.env.REDIS_PORT ?? 0);
  const cache = new Cache();
  const client = createClient({ cache });
  await client.connect();
  const lru = new LRUCache({ max: 100_000 });
  const nodeCache = new NodeCache({ useClones: false });
  for (const k of KEYS) {
    cache.set(k, VALUE);
    lru.set(k, VALUE);
    nodeCache.set(k, VALUE);
  }
  let nodeRedis = null;
  if (port) {
    nodeRedis = redis.createClient({ socket: { host: '127.0.0.1', port } });
    await nodeRedis.connect();
    for (const k of KEYS) await nodeRedis.set(k, VALUE);
  }

  const sync = (op) => () => { for (let i = 0; i < SYNC_BATCH; i++) op(KEYS[i % KEYS.length]); };
  const asyncBatch = (op) => async () => { for (let i = 0; i < ASYNC_BATCH; i++) await op(KEYS[i % KEYS.length]); };
  const rows = [
    ['ferricache Cache', sync((k) => cache.get(k)), sync((k) => cache.set(k, VALUE)), SYNC_BATCH],
    ['ferricache createClient', asyncBatch((k) => client.get(k)), asyncBatch((k) => client.set(k, VALUE)), ASYNC_BATCH],
    // The Node-API round trip alone: a string in, a new string out, no engine.
    ['Node-API floor (echo)', sync((k) => native.echo(k)), sync((k) => native.echo(k)), SYNC_BATCH],
    ['lru-cache', sync((k) => lru.get(k)), sync((k) => lru.set(k, VALUE)), SYNC_BATCH],
    ['node-cache', sync((k) => nodeCache.get(k)), sync((k) => nodeCache.set(k, VALUE)), SYNC_BATCH],
  ];
  if (nodeRedis) {
    rows.push(['node-redis, loopback', asyncBatch((k) => nodeRedis.get(k)), asyncBatch((k) => nodeRedis.set(k, VALUE)), ASYNC_BATCH]);
  }
  // Rounds of every task in turn, so that a noisy spell on this shared machine lands on
  // all of them rather than on whichever task happened to run then; ratios are taken within
  // a round, then the median over rounds is reported.
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bench = new Bench({ time: 150, warmupTime: 50 });
    for (const [name, get, set] of rows) {
      bench.add(`${name} get`, get);
      bench.add(`${name} set`, set);
    }
    await bench.run();
    const round = {};
    for (const [name, , , batch] of rows) {
      const rate = (op) => bench.getTask(`${name} ${op}`).result.throughput.p50 * batch;
      round[name] = [rate('get'), rate('set')];
    }
    rounds.push(round);
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
  const fmt = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(1)} k/s`);
  const table = {};
  console.log(`Node ${process.version}; medians over ${ROUNDS} rounds of the medians of tinybench samples, each a batch of ${SYNC_BATCH} (sync) or ${ASYNC_BATCH} (async) calls\n`);
  console.log('| store | get | set |\n|---|---:|---:|');
  for (const [name] of rows) {
    table[name] = [0, 1].map((op) => median(rounds.map((round) => round[name][op])));
    console.log(`| ${name} | ${fmt(table[name][0])} | ${fmt(table[name][1])} |`);
  }
  // a / b within each round, median over rounds.
  const ratio = (a, b, op) => `${median(rounds.map((round) => round[a][op] / round[b][op])).toFixed(2)}x`;
  console.log('\n| comparison (median of per-round ratios) | get | set |\n|---|---:|---:|');
  const both = (a, b) => `${ratio(a, b, 0)} | ${ratio(a, b, 1)}`;
  console.log(`| lru-cache ÷ ferricache Cache (target: get at most 3x) | ${both('lru-cache', 'ferricache Cache')} |`);
  console.log(`| lru-cache ÷ Node-API floor | ${ratio('lru-cache', 'Node-API floor (echo)', 0)} | |`);
  if (nodeRedis) {
    console.log(`| ferricache Cache ÷ node-redis (target: at least 50x) | ${both('ferricache Cache', 'node-redis, loopback')} |`);
    console.log(`| ferricache createClient ÷ node-redis | ${both('ferricache createClient', 'node-redis, loopback')} |`);
    await nodeRedis.flushAll();
    await nodeRedis.quit();
  }
  await client.quit();
  console.log('\n| 1M entries (key:N → value:N) | V8 heap used |\n|---|---:|');
  console.log(`| ferricache Cache (target: under 10 MB) | ${heapMb('ferricache').toFixed(1)} MB |`);
  console.log(`| lru-cache | ${heapMb('lru-cache').toFixed(1)} MB |`);
}

main().catch((e) => { console.error(e); process.exit(1); });
