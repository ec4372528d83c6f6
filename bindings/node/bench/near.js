'use strict';
// Near-cache mode beside node-redis v4 with no cache, and node-redis v5 (installed beside
// v4 as `redis5`) with no cache and with its own clientSideCache (RESP3), in one run,
// against a local redis-server (bash scripts/bench-node-near.sh starts it):
//   1. hot reads: 1,000 keys of 64 bytes, all cached, GET from one event loop;
//   2. Zipf(0.99) over 100,000 keys of 64 bytes, 95% GET / 5% SET.
// Rates are medians of 5 rounds; latencies p50 / p99 over every operation.
const redis = require('redis');
const redis5 = require('redis5');
const { Cache, createClient } = require('..');

const ROUNDS = 5;
const VALUE = 'x'.repeat(64);

// Rates from rounds timed as a whole; latencies from one more round timing every call
// (the clock adds about 0.1 µs to each).
async function measure(op, seq, isAsync) {
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    if (isAsync) {
      for (const k of seq) await op(k);
    } else {
      for (const k of seq) op(k);
    }
    rates.push(seq.length / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const lat = [];
  for (const k of seq) {
    const t = process.hrtime.bigint();
    if (isAsync) await op(k); else op(k);
    lat.push(Number(process.hrtime.bigint() - t));
  }
  lat.sort((a, b) => a - b);
  rates.sort((a, b) => a - b);
  return [rates[ROUNDS >> 1], lat[lat.length >> 1] / 1e3, lat[Math.floor(lat.length * 0.99)] / 1e3];
}

function zipf(nKeys, nOps, s = 0.99) {
  const cdf = new Float64Array(nKeys);
  let total = 0;
  for (let i = 0; i < nKeys; i++) cdf[i] = total += 1 / (i + 1) ** s;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: nOps }, () => {
    const x = rand() * total;
    let lo = 0, hi = nKeys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  });
}

async function main() {
  const url = `redis://127.0.0.1:${process.env.REDIS_PORT}/0`;
  const loader = redis.createClient({ url });
  await loader.connect();
  const hot = Array.from({ length: 1000 }, (_, i) => `hot:${i}`);
  const keys = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);
  for (let i = 0; i < hot.length + keys.length; i += 1000) {
    const batch = hot.concat(keys).slice(i, i + 1000);
    await loader.mSet(batch.map((k) => [k, VALUE]));
  }
  const sync = new Cache({ remote: url, maxMemory: 256 << 20 });
  const client = createClient({ url, remote: true, private: true, maxMemory: 256 << 20 });
  await client.connect();
  const plain = redis.createClient({ url });
  await plain.connect();
  const plain5 = redis5.createClient({ url });
  await plain5.connect();
  const cached5 = redis5.createClient({
    url,
    RESP: 3,
    clientSideCache: { ttl: 0, maxEntries: 0, evictPolicy: 'LRU' },
  });
  await cached5.connect();
  const contenders = [
    ['ferricache Cache (sync), near cache', (k) => sync.get(k), (k, v) => sync.set(k, v), sync, false],
    ['ferricache createClient, near cache', (k) => client.get(k), (k, v) => client.set(k, v), client.cache, true],
    ['node-redis v4, no cache', (k) => plain.get(k), (k, v) => plain.set(k, v), null, true],
    ['node-redis v5, no cache', (k) => plain5.get(k), (k, v) => plain5.set(k, v), null, true],
    ['node-redis v5 clientSideCache', (k) => cached5.get(k), (k, v) => cached5.set(k, v), null, true],
  ];
  const fastN = 100_000;
  const slowN = 10_000;

  console.log('Hot reads (1,000 keys, all cached, one event loop):');
  console.log('| client | GET/s | p50 | p99 | speed-up over node-redis |');
  console.log('|---|---:|---:|---:|---:|');
  const hotRows = [];
  for (const [name, get, , cache, isAsync] of contenders) {
    for (const k of hot) await get(k);
    const n = cache || name.includes('clientSideCache') ? fastN : slowN;
    const seq = Array.from({ length: n }, (_, i) => hot[i % hot.length]);
    hotRows.push([name, ...(await measure(get, seq, isAsync))]);
  }
  const hotBase = hotRows[2][1];
  for (const [name, rate, p50, p99] of hotRows) {
    console.log(`| ${name} | ${(rate / 1e3).toFixed(1)} k | ${p50.toFixed(2)} µs | ${p99.toFixed(2)} µs | ${(rate / hotBase).toFixed(0)}x |`);
  }

  console.log('\nZipf(0.99) over 100,000 keys, 95% GET / 5% SET, one event loop:');
  console.log('| client | ops/s | p50 | p99 | L1 hit ratio | speed-up over node-redis |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const seqAll = zipf(keys.length, fastN);
  const writes = new Set(seqAll.map((_, i) => i).filter((i) => (i * 2654435761) % 100 < 5));
  const zRows = [];
  for (const [name, get, set, cache, isAsync] of contenders) {
    const n = cache || name.includes('clientSideCache') ? fastN : slowN;
    const ops = seqAll.slice(0, n).map((k, i) => i);
    const before = cache?.nearCacheStats();
    const op = (i) => (writes.has(i) ? set(keys[seqAll[i]], VALUE) : get(keys[seqAll[i]]));
    const [rate, p50, p99] = await measure(op, ops, isAsync);
    let hit = '-';
    if (before) {
      const after = cache.nearCacheStats();
      const reads = (ROUNDS + 1) * ops.filter((i) => !writes.has(i)).length;
      hit = `${((100 * (after.localHits - before.localHits)) / reads).toFixed(1)}%`;
    }
    zRows.push([name, rate, p50, p99, hit]);
  }
  const zBase = zRows[2][1];
  for (const [name, rate, p50, p99, hit] of zRows) {
    console.log(`| ${name} | ${(rate / 1e3).toFixed(1)} k | ${p50.toFixed(2)} µs | ${p99.toFixed(2)} µs | ${hit} | ${(rate / zBase).toFixed(1)}x |`);
  }
  await Promise.all([loader.quit(), client.quit(), plain.quit(), plain5.quit(), cached5.quit()]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
