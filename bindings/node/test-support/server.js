'use strict';
// A redis-server of a test's own (or the server named by FERRICACHE_TEST_SERVER), on a free
// loopback port, in a temporary --dir with --save ''; node-redis v4 connected to it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { createClient: redisClient } = require('redis');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs `fn(url, db)` with a server started for it; stops the server after. */
async function withServer(fn) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferricache-node-redis-'));
  const binary = process.env.FERRICACHE_TEST_SERVER || 'redis-server';
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}/0`;
  const db = redisClient({ url, socket: { reconnectStrategy: false } });
  db.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await db.connect();
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${binary} did not start: ${e}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn(url, db);
  } finally {
    await db.quit();
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { freePort, withServer };
