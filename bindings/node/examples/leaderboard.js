'use strict';
// A game leaderboard on a sorted set: ZADD / ZINCRBY scores, the top 3 with ZREVRANGE
// WITHSCORES, and a player's rank with ZREVRANK, through the node-redis style client.
//   node examples/leaderboard.js
const { createClient } = require('..');

async function main() {
  const client = createClient();
  await client.connect();
  await client.zAdd('leaderboard', [
    { score: 1200, value: 'ada' },
    { score: 950, value: 'grace' },
    { score: 1100, value: 'linus' },
    { score: 700, value: 'barbara' },
  ]);
  await client.zIncrBy('leaderboard', 300, 'grace');
  const top = await client.zRangeWithScores('leaderboard', 0, 2, { REV: true });
  top.forEach(({ value, score }, i) => console.log(`#${i + 1} ${value} ${score}`));
  const rank = await client.zRevRank('leaderboard', 'barbara');
  console.log(`barbara is #${rank + 1} of ${await client.zCard('leaderboard')}`);
  await client.quit();
  return top;
}

if (require.main === module) main();
module.exports = { main };
