'use strict';
// express-session through connect-redis v7 and through the bundled Store, over real HTTP
// on loopback; Keyv and cache-manager v7.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const express = require('express');
const session = require('express-session');
const RedisStore = require('connect-redis').default;
const { Keyv } = require('keyv');
const { createCache } = require('cache-manager');
const { Cache, createClient } = require('..');
const FerriStore = require('../session');
const KeyvFerricache = require('../keyv');

function app(store) {
  const a = express();
  a.use(session({ store, secret: 'test', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }));
  a.get('/visit', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({ visits: req.session.visits });
  });
  return a;
}

function request(port, path, cookie) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ body: JSON.parse(body), cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    }).on('error', reject);
  });
}

async function visits(store) {
  const server = app(store).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address();
  try {
    const first = await request(port, '/visit');
    const second = await request(port, '/visit', first.cookie);
    const third = await request(port, '/visit', first.cookie);
    return [first.body.visits, second.body.visits, third.body.visits];
  } finally {
    server.close();
  }
}

test('express-session through connect-redis v7 with a ferricache client', async () => {
  const cache = new Cache();
  const client = createClient({ cache });
  await client.connect();
  assert.deepEqual(await visits(new RedisStore({ client, prefix: 'myapp:' })), [1, 2, 3]);
  const [key] = cache.keys('myapp:*');
  assert.ok(key && cache.ttl(key) > 50 && cache.ttl(key) <= 60);
  await client.quit();
});

test('express-session through the bundled Store, TTL from the cookie', async () => {
  const cache = new Cache();
  assert.deepEqual(await visits(new FerriStore({ cache })), [1, 2, 3]);
  const [key] = cache.keys('sess:*');
  assert.ok(cache.pTTL(key) > 55_000 && cache.pTTL(key) <= 60_000);
  const store = new FerriStore({ cache });
  const ids = await new Promise((r) => store.ids((e, v) => r(v)));
  assert.equal(ids.length, 1);
  await new Promise((r) => store.destroy(ids[0], r));
  assert.equal(cache.dbSize(), 0);
});

test('Keyv with the ferricache adapter', async () => {
  const keyv = new Keyv({ store: new KeyvFerricache(new Cache()), namespace: 'app' });
  await keyv.set('user', { name: 'Ada' }, 1000);
  assert.deepEqual(await keyv.get('user'), { name: 'Ada' });
  assert.equal(await keyv.has('user'), true);
  await keyv.set('short', 'x', 20);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(await keyv.get('short'), undefined);
  assert.equal(await keyv.delete('user'), true);
  await keyv.set('a', 1);
  const other = new Keyv({ store: new KeyvFerricache(keyv.store.cache ?? new Cache()), namespace: 'other' });
  await other.set('b', 2);
  await keyv.clear();
  assert.equal(await keyv.get('a'), undefined);
  assert.equal(await other.get('b'), 2);
});

test('cache-manager v7 over Keyv and ferricache', async () => {
  const cache = new Cache();
  const manager = createCache({ stores: [new Keyv({ store: new KeyvFerricache(cache) })] });
  await manager.set('product:1', { price: 10 }, 5000);
  assert.deepEqual(await manager.get('product:1'), { price: 10 });
  let loads = 0;
  const load = async () => { loads++; return 'fresh'; };
  assert.equal(await manager.wrap('wrapped', load, 5000), 'fresh');
  assert.equal(await manager.wrap('wrapped', load, 5000), 'fresh');
  assert.equal(loads, 1);
  assert.ok(cache.dbSize() >= 2);
  await manager.del('product:1');
  assert.equal(await manager.get('product:1'), undefined);
});
