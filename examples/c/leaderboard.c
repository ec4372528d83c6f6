/* A leaderboard and a cache-aside read through ferricache's C ABI. Build: make */
#include <stdio.h>
#include <string.h>

#include "ferricache.h"

int main(void) {
    fc_cache *cache = NULL;
    if (fc_cache_new(NULL, &cache) != FC_OK) {
        fprintf(stderr, "fc_cache_new: %s\n", fc_last_error());
        return 1;
    }
    /* Typed fast paths: a value with a 30 s TTL, read back into a buffer. */
    const char *key = "user:42:name", *name = "Ada";
    fc_set(cache, (const uint8_t *)key, strlen(key), (const uint8_t *)name, strlen(name), 30000, 0, NULL);
    char buf[64];
    size_t len = 0;
    if (fc_get(cache, (const uint8_t *)key, strlen(key), (uint8_t *)buf, sizeof buf, &len) == FC_OK) {
        printf("%s = %.*s\n", key, (int)len, buf);
    }
    /* Any command through fc_command: ZADD, then the top two with scores. */
    const char *players[][2] = {{"50", "alice"}, {"70", "bob"}, {"65", "carol"}};
    for (int i = 0; i < 3; i++) {
        const uint8_t *argv[] = {(const uint8_t *)"ZADD", (const uint8_t *)"lb",
                                 (const uint8_t *)players[i][0], (const uint8_t *)players[i][1]};
        size_t lens[] = {4, 2, strlen(players[i][0]), strlen(players[i][1])};
        fc_reply *r = NULL;
        fc_command(cache, 4, argv, lens, &r);
        fc_reply_free(r);
    }
    const uint8_t *top[] = {(const uint8_t *)"ZREVRANGE", (const uint8_t *)"lb", (const uint8_t *)"0",
                            (const uint8_t *)"1", (const uint8_t *)"WITHSCORES"};
    size_t toplens[] = {9, 2, 1, 1, 10};
    fc_reply *r = NULL;
    if (fc_command(cache, 5, top, toplens, &r) == FC_OK && r->type == FC_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            printf("#%zu %s (%g)\n", i / 2 + 1, r->element[i]->str, r->element[i + 1]->dval);
        }
    }
    fc_reply_free(r);
    fc_cache_free(cache);
    return 0;
}
