'use strict';
// The examples under examples/ run and do what they say.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { main } = require('../examples/leaderboard');
const { app } = require('../examples/rate-limit');

test('leaderboard example', async () => {
  const log = console.log;
  console.log = () => {};
  try {
    const top = await main();
    assert.deepEqual(top.map((e) => e.value), ['grace', 'ada', 'linus']);
  } finally {
    console.log = log;
  }
});

test('rate-limit middleware answers 429 after the limit', async () => {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const get = () => new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
  });
  // The example's window is the clock's minute: start clear of a minute's end, so that all
  // seven requests fall in one window.
  const intoMinute = Date.now() % 60000;
  if (intoMinute > 50000) await new Promise((r) => setTimeout(r, 60000 - intoMinute + 100));
  const codes = [];
  for (let i = 0; i < 7; i++) codes.push(await get());
  server.close();
  assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
});
