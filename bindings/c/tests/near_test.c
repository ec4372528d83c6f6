/*
 * The C ABI in near-cache mode, against the redis-server that scripts/with-redis.sh starts
 * (REDIS_PORT). Two caches on one server stand for two processes: one's write reaches the
 * other's copy; hits are local; typed paths and fc_command reach the server; a server that
 * cannot be reached is FC_REMOTE_UNAVAILABLE. Ends with "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"


static fc_status run(fc_cache *c, fc_reply **out, int argc, const char **args) {
    const uint8_t *argv[8];
    size_t lens[8];
    for (int i = 0; i < argc; i++) {
        argv[i] = (const uint8_t *)args[i];
        lens[i] = strlen(args[i]);
    }
    return fc_command(c, (size_t)argc, argv, lens, out);
}

/* GET through the typed path into `buf`; returns the status. */
static fc_status get(fc_cache *c, const char *key, char *buf, size_t cap) {
    size_t len = 0;
    fc_status s = fc_get(c, (const uint8_t *)key, strlen(key), (uint8_t *)buf, cap - 1, &len);
    buf[s == FC_OK ? len : 0] = '\0';
    return s;
}

static fc_cache *near_cache(const char *url) {
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.remote_url = url;
    opts.remote_max_staleness_ms = 400;
    opts.remote_connect_timeout_ms = 1000;
    fc_cache *c = NULL;
    fc_status s = fc_cache_new(&opts, &c);
    if (s != FC_OK) {
        fprintf(stderr, "fc_cache_new(%s): %s: %s\n", url, fc_status_str(s), fc_last_error());
        return NULL;
    }
    return c;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

int main(void) {
    const char *port = getenv("REDIS_PORT");
    if (port == NULL) {
        fprintf(stderr, "REDIS_PORT is not set: run under scripts/with-redis.sh\n");
        return 2;
    }
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", port);
    fc_cache *a = near_cache(url), *b = near_cache(url);
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) {
        return 1;
    }
    char buf[64];

    /* A write reaches the server; the first read fetches, the next ones are local. */
    CHECK(fc_set(a, (const uint8_t *)"car:1", 5, (const uint8_t *)"v1", 2, 0, 0, NULL) == FC_OK);
    for (int i = 0; i < 10; i++) {
        CHECK(get(b, "car:1", buf, sizeof buf) == FC_OK && strcmp(buf, "v1") == 0);
    }
    fc_near_stats st;
    CHECK(fc_near_cache_stats(b, &st) == FC_OK);
    CHECK(st.fetches == 1 && st.local_hits == 9 && st.connected == 1 && st.nodes == 1);
    CHECK(get(b, "car:404", buf, sizeof buf) == FC_NOT_FOUND);

    /* Another cache's write reaches b's copy within the bound. */
    CHECK(fc_set(a, (const uint8_t *)"car:1", 5, (const uint8_t *)"v2", 2, 0, 0, NULL) == FC_OK);
    int seen = 0;
    for (int i = 0; i < 200 && !seen; i++) {
        seen = get(b, "car:1", buf, sizeof buf) == FC_OK && strcmp(buf, "v2") == 0;
        if (!seen) {
            sleep_ms(10);
        }
    }
    CHECK(seen);

    /* Counters and sorted sets on the server, through the typed paths and fc_command. */
    int64_t n = 0;
    CHECK(fc_incr(a, (const uint8_t *)"hits", 4, 5, &n) == FC_OK && n == 5);
    CHECK(fc_incr(b, (const uint8_t *)"hits", 4, 1, &n) == FC_OK && n == 6);
    CHECK(fc_incr(b, (const uint8_t *)"car:1", 5, 1, &n) == FC_NOT_INTEGER);
    fc_reply *r = NULL;
    const char *zadd[] = {"ZADD", "lb", "50", "ada"};
    CHECK(run(a, &r, 4, zadd) == FC_OK && r->type == FC_REPLY_INTEGER && r->integer == 1);
    fc_reply_free(r);
    CHECK(fc_incr(b, (const uint8_t *)"lb", 2, 1, &n) == FC_WRONG_TYPE);
    const char *info[] = {"INFO", "nearcache"};
    CHECK(run(b, &r, 2, info) == FC_OK && r->type == FC_REPLY_STRING &&
          strstr(r->str, "near_cache_connected:1\r\n") != NULL &&
          strstr(r->str, "near_cache_local_hits:") != NULL);
    fc_reply_free(r);

    /* A plain cache has no near-cache counters. */
    fc_cache *plain = NULL;
    CHECK(fc_cache_new(NULL, &plain) == FC_OK);
    CHECK(fc_near_cache_stats(plain, &st) == FC_NOT_FOUND);
    fc_cache_free(plain);

    /* Bad settings and an unreachable server. */
    fc_options bad;
    memset(&bad, 0, sizeof bad);
    bad.remote_url = "redis://127.0.0.1:1/0";
    bad.remote_connect_timeout_ms = 300;
    fc_cache *none = NULL;
    CHECK(fc_cache_new(&bad, &none) == FC_REMOTE_UNAVAILABLE && none == NULL);
    bad.remote_url = "not a url";
    CHECK(fc_cache_new(&bad, &none) == FC_INVALID_ARGUMENT);
    bad.remote_url = url;
    bad.remote_local_prefix_count = 1; /* with a NULL array */
    CHECK(fc_cache_new(&bad, &none) == FC_NULL_ARGUMENT);
    const char *prefixes[] = {"car:"};
    bad.remote_local_prefixes = prefixes;
    bad.eviction_policy = "noeviction";
    CHECK(fc_cache_new(&bad, &none) == FC_INVALID_ARGUMENT);

    /* A server that does not answer is an error for DEL, EXISTS, TTL and PUBLISH too,
     * not a count of 0 or a missing key: redis-cli pauses every client for 1.5 s. */
    fc_options slow;
    memset(&slow, 0, sizeof slow);
    slow.remote_url = url;
    slow.remote_command_timeout_ms = 150;
    fc_cache *c = NULL;
    CHECK(fc_cache_new(&slow, &c) == FC_OK);
    char pause[96];
    snprintf(pause, sizeof pause, "redis-cli -p %s CLIENT PAUSE 1500 ALL >/dev/null", port);
    CHECK(system(pause) == 0);
    bool flag = true;
    fc_status s = fc_del(c, (const uint8_t *)"car:9", 5, &flag);
    CHECK(s == FC_REMOTE_TIMEOUT || s == FC_REMOTE_UNAVAILABLE);
    s = fc_exists(c, (const uint8_t *)"car:9", 5, &flag);
    CHECK(s == FC_REMOTE_TIMEOUT || s == FC_REMOTE_UNAVAILABLE);
    int64_t ttl = 12345;
    s = fc_ttl(c, (const uint8_t *)"car:9", 5, &ttl);
    CHECK((s == FC_REMOTE_TIMEOUT || s == FC_REMOTE_UNAVAILABLE) && ttl == 12345);
    size_t receivers = 7;
    s = fc_publish(c, (const uint8_t *)"news", 4, (const uint8_t *)"x", 1, &receivers);
    CHECK((s == FC_REMOTE_TIMEOUT || s == FC_REMOTE_UNAVAILABLE) && receivers == 7);
    sleep_ms(1600);
    fc_cache_free(c);

    fc_cache_free(a);
    fc_cache_free(b);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
