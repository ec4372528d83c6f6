'use strict';
// A fixed-window rate limiter as express middleware: INCR a per-client, per-minute key and
// give it a TTL on first use (the lesson's INCR + EXPIRE pattern), all in-process.
//   node examples/rate-limit.js      (then: curl -i localhost:3000/)
const express = require('express');
const { Cache } = require('..');

function rateLimit(cache, { limit = 100, windowSeconds = 60 } = {}) {
  return (req, res, next) => {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = `rate:${req.ip}:${window}`;
    const count = cache.incr(key);
    if (count === 1) cache.expire(key, windowSeconds);
    res.set('X-RateLimit-Limit', String(limit));
    res.set('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
    if (count > limit) return res.status(429).json({ error: 'Too Many Requests' });
    next();
  };
}

const cache = new Cache({ maxMemory: 16 << 20 });
const app = express();
app.use(rateLimit(cache, { limit: 5, windowSeconds: 60 }));
app.get('/', (req, res) => res.json({ ok: true }));

if (require.main === module) {
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${server.address().port}`));
}

module.exports = { app, rateLimit };
