'use strict';
// The web benchmark's Node app (benches/web/run.sh): node:cluster with 2 workers, each an
// HTTP server whose one route does cache-aside: GET /item/<n> answers the cached value of
// item n, or makes it (the "database": a value built from n) and caches it for 300 s.
// BACKEND: "ferricache" (a near cache on REDIS_URL, createClient) or "redis" (node-redis v4).
const cluster = require('node:cluster');
const http = require('node:http');
const path = require('node:path');

const PORT = Number(process.env.PORT);
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  const nodeDir = path.join(__dirname, '..', '..', 'bindings', 'node');
  const client = process.env.BACKEND === 'ferricache'
    ? require(nodeDir).createClient({ url: process.env.REDIS_URL, remote: true, private: true, maxMemory: 256 << 20 })
    : require(require.resolve('redis', { paths: [nodeDir] })).createClient({ url: process.env.REDIS_URL });
  const load = (n) => n.repeat(64).slice(0, 64).padEnd(64, '.');
  client.connect().then(() => {
    http.createServer(async (req, res) => {
      const n = req.url.slice(req.url.lastIndexOf('/') + 1);
      const key = `item:${n}`;
      let value = await client.get(key);
      if (value === null) {
        value = load(n);
        await client.set(key, value, { EX: 300 });
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': Buffer.byteLength(value) });
      res.end(value);
    }).listen(PORT, '127.0.0.1');
  });
}
