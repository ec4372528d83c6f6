// Compiled by `tsc -p test/tsconfig.json` in the test command: the definitions describe
// what the tests exercise.
import { Cache, createClient, commandOptions, type FerriClient } from '..';
import FerriStore = require('../session');
import KeyvFerricache = require('../keyv');

const cache = new Cache({ maxMemory: 1 << 20, evictionPolicy: 'allkeys-lru', defaultTtl: 60 });
const ok: string | null = cache.set('k', 'v', { EX: 10 });
const value: string | null = cache.get('k');
const n: number = cache.incr('n');
const ranked: Array<{ value: string; score: number }> = cache.zRangeWithScores('lb', 0, -1);
const rank: number | null = cache.zRevRank('lb', 'ada');
const hash: Record<string, string> = cache.hGetAll('h');
const buf: Buffer | null = cache.getBuffer('k');
const popped: Promise<{ key: string; element: string } | null> = cache.brPop('q', 1);
for (const key of cache.scanIterator({ MATCH: 'user:*' })) key.toUpperCase();
const hits: number = cache.stats().hits;

async function client(): Promise<void> {
  const c: FerriClient = createClient({ url: 'redis://localhost:6379', cache });
  await c.connect();
  const v: string | null = await c.get('k');
  const scanned: { cursor: number; keys: string[] } = await c.scan(0, { MATCH: 'k*' });
  const b: Buffer | null = await c.get(commandOptions({ returnBuffers: true }), 'k');
  const sub = c.duplicate();
  await sub.connect();
  await sub.subscribe('news', (message: string, channel: string) => void [message, channel]);
  await c.quit();
  void [v, scanned, b];
}

const store = new FerriStore({ cache, prefix: 'sess:', ttl: 3600 });
const keyv = new KeyvFerricache(cache);
void [ok, value, n, ranked, rank, hash, buf, popped, hits, client, store, keyv];

const held = cache.tryLock('lock', 1000);
if (held) held.release();
const limited: boolean = cache.rateLimitFixed('rl', 10, 60).allowed;
void limited;

const sessions = new Cache({ database: 2 });
sessions.select(3);
async function databases(): Promise<void> {
  const c: FerriClient = createClient({ url: 'redis://localhost:6379/4', database: 1, cache: sessions });
  await c.connect();
  await c.select(5);
  const moved: boolean = await c.move('k', 6);
  const swapped: string = await c.swapDb(0, 1);
  void [moved, swapped];
}
void databases;
