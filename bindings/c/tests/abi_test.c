/*
 * The C ABI's test program. It is written in the common subset of C11 and C++17 and
 * compiled as both (scripts/test-c.sh), linked against the static and the shared library,
 * and run plainly, under AddressSanitizer + UndefinedBehaviorSanitizer, and under Valgrind.
 * It ends with "N passed, N failed" and exits non-zero on any failure.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"


/* Runs a command given as NUL-terminated strings, ended by NULL, on a cache or (if
 * `cl` is not NULL) on a client; the reply is the caller's to free. */
static fc_reply *cmd_va(fc_cache *c, fc_client *cl, va_list ap) {
    const uint8_t *argv[16];
    size_t lens[16];
    size_t argc = 0;
    for (const char *a = va_arg(ap, const char *); a != NULL && argc < 16; a = va_arg(ap, const char *)) {
        argv[argc] = (const uint8_t *)a;
        lens[argc++] = strlen(a);
    }
    fc_reply *r = NULL;
    fc_status st = cl ? fc_client_command(cl, argc, argv, lens, &r) : fc_command(c, argc, argv, lens, &r);
    if (st != FC_OK) {
        fprintf(stderr, "command failed: %s\n", fc_last_error());
        return NULL;
    }
    return r;
}

static fc_reply *cmd_list(fc_cache *c, ...) {
    va_list ap;
    va_start(ap, c);
    fc_reply *r = cmd_va(c, NULL, ap);
    va_end(ap);
    return r;
}

static fc_reply *client_cmd_list(fc_client *cl, ...) {
    va_list ap;
    va_start(ap, cl);
    fc_reply *r = cmd_va(NULL, cl, ap);
    va_end(ap);
    return r;
}

#define CCMD(cl, ...) client_cmd_list((cl), __VA_ARGS__, (const char *)NULL)
#define CMD(c, ...) cmd_list((c), __VA_ARGS__, (const char *)NULL)

static int is_str(const fc_reply *r, fc_reply_type t, const char *text) {
    return r && r->type == t && r->len == strlen(text) && memcmp(r->str, text, r->len) == 0;
}

static int is_int(const fc_reply *r, int64_t v) {
    return r && r->type == FC_REPLY_INTEGER && r->integer == v;
}

/* Checks a reply and frees it. */
#define EXPECT_STR(c, t, text, ...) do { fc_reply *r_ = CMD(c, __VA_ARGS__); CHECK(is_str(r_, t, text)); fc_reply_free(r_); } while (0)
#define EXPECT_INT(c, v, ...) do { fc_reply *r_ = CMD(c, __VA_ARGS__); CHECK(is_int(r_, v)); fc_reply_free(r_); } while (0)
#define EXPECT_NIL(c, ...) do { fc_reply *r_ = CMD(c, __VA_ARGS__); CHECK(r_ && r_->type == FC_REPLY_NIL); fc_reply_free(r_); } while (0)
#define EXPECT_ERR(c, prefix, ...) do { fc_reply *r_ = CMD(c, __VA_ARGS__); \
    CHECK(r_ && r_->type == FC_REPLY_ERROR && strncmp(r_->str, prefix, strlen(prefix)) == 0); fc_reply_free(r_); } while (0)

static void test_families(fc_cache *c) {
    /* strings and keys */
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "SET", "greeting", "hello");
    EXPECT_STR(c, FC_REPLY_STRING, "hello", "get", "greeting");
    EXPECT_INT(c, 2, "APPEND", "counter", "41");
    EXPECT_ERR(c, "ERR value is not an integer", "INCR", "greeting");
    EXPECT_INT(c, 1, "EXPIRE", "greeting", "100");
    EXPECT_INT(c, 100, "TTL", "greeting");
    EXPECT_STR(c, FC_REPLY_STATUS, "string", "TYPE", "greeting");
    EXPECT_INT(c, 1, "DEL", "greeting");
    EXPECT_NIL(c, "GET", "greeting");
    /* lists */
    EXPECT_INT(c, 3, "RPUSH", "jobs", "a", "b", "c");
    EXPECT_STR(c, FC_REPLY_STRING, "a", "LPOP", "jobs");
    {
        fc_reply *r = CMD(c, "BRPOP", "jobs", "0.1");
        CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 2);
        CHECK(r && is_str(r->element[0], FC_REPLY_STRING, "jobs") && is_str(r->element[1], FC_REPLY_STRING, "c"));
        fc_reply_free(r);
    }
    EXPECT_ERR(c, "WRONGTYPE", "GET", "jobs");
    /* hashes */
    EXPECT_INT(c, 2, "HSET", "session:1", "user", "ada", "cart", "3");
    EXPECT_INT(c, 5, "HINCRBY", "session:1", "cart", "2");
    {
        fc_reply *r = CMD(c, "HGETALL", "session:1");
        CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 4);
        fc_reply_free(r);
    }
    /* sets */
    EXPECT_INT(c, 2, "SADD", "tags", "x", "y", "x");
    EXPECT_INT(c, 1, "SISMEMBER", "tags", "y");
    EXPECT_INT(c, 2, "SCARD", "tags");
    /* sorted sets: scores are doubles with Redis's text */
    EXPECT_INT(c, 3, "ZADD", "lb", "50", "alice", "70", "bob", "1.5", "carol");
    {
        fc_reply *r = CMD(c, "ZSCORE", "lb", "carol");
        CHECK(r && r->type == FC_REPLY_DOUBLE && r->dval == 1.5 && is_str(r, FC_REPLY_DOUBLE, "1.5"));
        fc_reply_free(r);
        r = CMD(c, "ZREVRANGE", "lb", "0", "1", "WITHSCORES");
        CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 4);
        CHECK(r && is_str(r->element[0], FC_REPLY_STRING, "bob") && r->element[1]->dval == 70.0);
        fc_reply_free(r);
    }
    EXPECT_INT(c, 0, "ZREVRANK", "lb", "bob");
    EXPECT_ERR(c, "ERR min or max is not a float", "ZCOUNT", "lb", "x", "+inf");
    /* BLMPOP / BZMPOP: at once when there is something, nil after the timeout */
    EXPECT_INT(c, 3, "RPUSH", "mpop", "a", "b", "c");
    {
        fc_reply *r = CMD(c, "BLMPOP", "0.1", "2", "none", "mpop", "LEFT", "COUNT", "2");
        CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 2 && is_str(r->element[0], FC_REPLY_STRING, "mpop"));
        CHECK(r && r->element[1]->type == FC_REPLY_ARRAY && r->element[1]->elements == 2);
        fc_reply_free(r);
    }
    EXPECT_NIL(c, "BZMPOP", "0.01", "1", "none", "MIN");
    EXPECT_ERR(c, "ERR timeout is negative", "BLMPOP", "-1", "1", "mpop", "LEFT");
    /* OBJECT, MEMORY USAGE, COMMAND COUNT */
    EXPECT_STR(c, FC_REPLY_STRING, "quicklist", "OBJECT", "ENCODING", "jobs");
    EXPECT_NIL(c, "OBJECT", "ENCODING", "missing");
    EXPECT_ERR(c, "ERR unknown subcommand 'NOPE'", "OBJECT", "NOPE", "jobs");
    {
        fc_reply *r = CMD(c, "MEMORY", "USAGE", "tags");
        CHECK(r && r->type == FC_REPLY_INTEGER && r->integer > 0);
        fc_reply_free(r);
        r = CMD(c, "COMMAND", "COUNT");
        CHECK(r && r->type == FC_REPLY_INTEGER && r->integer > 100);
        fc_reply_free(r);
    }
    /* SORT */
    EXPECT_INT(c, 3, "RPUSH", "ids", "3", "1", "2");
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "MSET", "age_1", "36", "age_2", "85", "age_3", "28");
    {
        fc_reply *r = CMD(c, "SORT", "ids", "BY", "age_*", "DESC");
        CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 3 && is_str(r->element[0], FC_REPLY_STRING, "2"));
        fc_reply_free(r);
    }
    EXPECT_INT(c, 3, "SORT", "ids", "ALPHA", "STORE", "sorted");
    EXPECT_ERR(c, "ERR syntax error", "SORT_RO", "ids", "STORE", "x");
    /* LCS */
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "MSET", "lcs:a", "ohmytext", "lcs:b", "mynewtext");
    EXPECT_STR(c, FC_REPLY_STRING, "mytext", "LCS", "lcs:a", "lcs:b");
    EXPECT_INT(c, 6, "LCS", "lcs:a", "lcs:b", "LEN");
    EXPECT_ERR(c, "ERR The specified keys must contain string values", "LCS", "lcs:a", "jobs");
    /* HyperLogLog: Redis's format, so GET gives Redis's bytes */
    EXPECT_INT(c, 1, "PFADD", "visitors", "ada", "grace", "ada");
    EXPECT_INT(c, 0, "PFADD", "visitors", "grace");
    EXPECT_INT(c, 2, "PFCOUNT", "visitors");
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "PFMERGE", "all", "visitors", "missing");
    EXPECT_INT(c, 2, "PFCOUNT", "all", "visitors");
    EXPECT_ERR(c, "WRONGTYPE Key is not a valid HyperLogLog", "PFADD", "counter", "x");
    {
        fc_reply *r = CMD(c, "GET", "visitors");
        CHECK(r && r->type == FC_REPLY_STRING && r->len > 16 && memcmp(r->str, "HYLL", 4) == 0);
        fc_reply_free(r);
    }
    /* server and pub/sub */
    EXPECT_STR(c, FC_REPLY_STATUS, "PONG", "PING");
    EXPECT_INT(c, 0, "PUBLISH", "news", "hi");
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
    {
        fc_reply *r = CMD(c, "INFO", "keyspace");
        CHECK(r && r->type == FC_REPLY_STRING && strstr(r->str, "db0:keys=") != NULL);
        fc_reply_free(r);
    }
}

static void test_typed(fc_cache *c) {
    const char *k = "user:1";
    bool written = false, flag = false;
    CHECK(fc_set(c, (const uint8_t *)k, strlen(k), (const uint8_t *)"ada", 3, 0, 0, &written) == FC_OK && written);
    CHECK(fc_set(c, (const uint8_t *)k, strlen(k), (const uint8_t *)"bob", 3, 0, FC_SET_NX, &written) == FC_OK && !written);
    CHECK(fc_set(c, (const uint8_t *)"nokey", 5, (const uint8_t *)"v", 1, 0, FC_SET_XX, &written) == FC_OK && !written);
    CHECK(fc_set(c, (const uint8_t *)k, strlen(k), (const uint8_t *)"x", 1, -5, 0, NULL) == FC_INVALID_ARGUMENT);
    CHECK(fc_set(c, (const uint8_t *)k, strlen(k), (const uint8_t *)"x", 1, 0, FC_SET_NX | FC_SET_XX, NULL) == FC_INVALID_ARGUMENT);
    CHECK(fc_set(c, (const uint8_t *)k, strlen(k), (const uint8_t *)"x", 1, 0, 0x100, NULL) == FC_INVALID_ARGUMENT);

    char buf[8];
    size_t len = 0;
    CHECK(fc_get(c, (const uint8_t *)k, strlen(k), (uint8_t *)buf, sizeof buf, &len) == FC_OK && len == 3 && memcmp(buf, "ada", 3) == 0);
    CHECK(fc_get(c, (const uint8_t *)k, strlen(k), (uint8_t *)buf, 2, &len) == FC_BUFFER_TOO_SMALL && len == 3);
    CHECK(fc_get(c, (const uint8_t *)k, strlen(k), NULL, 0, &len) == FC_BUFFER_TOO_SMALL && len == 3);
    CHECK(fc_get(c, (const uint8_t *)"nokey", 5, (uint8_t *)buf, sizeof buf, &len) == FC_NOT_FOUND);
    uint8_t *owned = NULL;
    CHECK(fc_get_owned(c, (const uint8_t *)k, strlen(k), &owned, &len) == FC_OK && len == 3 && strcmp((const char *)owned, "ada") == 0);
    fc_bytes_free(owned);
    fc_bytes_free(NULL);

    /* binary-safe values and keys */
    const uint8_t bkey[] = {'b', 0, 0xff};
    const uint8_t bval[] = {0, 1, 0, 0xfe, 0xff};
    CHECK(fc_set(c, bkey, sizeof bkey, bval, sizeof bval, 0, 0, NULL) == FC_OK);
    CHECK(fc_get(c, bkey, sizeof bkey, (uint8_t *)buf, sizeof buf, &len) == FC_OK && len == sizeof bval && memcmp(buf, bval, len) == 0);
    CHECK(fc_set(c, (const uint8_t *)"empty", 5, NULL, 0, 0, 0, NULL) == FC_OK);
    CHECK(fc_get(c, (const uint8_t *)"empty", 5, NULL, 0, &len) == FC_OK && len == 0);

    int64_t ttl = 0;
    CHECK(fc_set(c, (const uint8_t *)"temp", 4, (const uint8_t *)"v", 1, 60000, 0, NULL) == FC_OK);
    CHECK(fc_ttl(c, (const uint8_t *)"temp", 4, &ttl) == FC_OK && ttl > 59000 && ttl <= 60000);
    CHECK(fc_ttl(c, (const uint8_t *)k, strlen(k), &ttl) == FC_OK && ttl == -1);
    CHECK(fc_ttl(c, (const uint8_t *)"nokey", 5, &ttl) == FC_OK && ttl == -2);
    CHECK(fc_expire(c, (const uint8_t *)k, strlen(k), 5000, &flag) == FC_OK && flag);
    CHECK(fc_expire(c, (const uint8_t *)"nokey", 5, 5000, &flag) == FC_OK && !flag);
    CHECK(fc_exists(c, (const uint8_t *)k, strlen(k), &flag) == FC_OK && flag);
    CHECK(fc_del(c, (const uint8_t *)k, strlen(k), &flag) == FC_OK && flag);
    CHECK(fc_exists(c, (const uint8_t *)k, strlen(k), &flag) == FC_OK && !flag);

    int64_t n = 0;
    CHECK(fc_incr(c, (const uint8_t *)"hits", 4, 5, &n) == FC_OK && n == 5);
    CHECK(fc_incr(c, (const uint8_t *)"hits", 4, INT64_MAX, &n) == FC_NOT_INTEGER && n == 5);
    CHECK(strstr(fc_last_error(), "overflow") != NULL);
    CHECK(fc_incr(c, (const uint8_t *)"temp", 4, 1, NULL) == FC_NOT_INTEGER);

    double score = 0;
    uint64_t rank = 99;
    CHECK(fc_zadd(c, (const uint8_t *)"board", 5, 10.0, (const uint8_t *)"ann", 3, &flag) == FC_OK && flag);
    CHECK(fc_zadd(c, (const uint8_t *)"board", 5, 20.0, (const uint8_t *)"ben", 3, &flag) == FC_OK && flag);
    CHECK(fc_zadd(c, (const uint8_t *)"board", 5, 30.0, (const uint8_t *)"ann", 3, &flag) == FC_OK && !flag);
    CHECK(fc_zadd(c, (const uint8_t *)"board", 5, NAN, (const uint8_t *)"x", 1, NULL) == FC_INVALID_ARGUMENT);
    CHECK(fc_zscore(c, (const uint8_t *)"board", 5, (const uint8_t *)"ann", 3, &score) == FC_OK && score == 30.0);
    CHECK(fc_zscore(c, (const uint8_t *)"board", 5, (const uint8_t *)"zed", 3, &score) == FC_NOT_FOUND);
    CHECK(fc_zrevrank(c, (const uint8_t *)"board", 5, (const uint8_t *)"ben", 3, &rank) == FC_OK && rank == 1);
    CHECK(fc_zrevrank(c, (const uint8_t *)"hits", 4, (const uint8_t *)"ben", 3, &rank) == FC_WRONG_TYPE);
    CHECK(strncmp(fc_last_error(), "WRONGTYPE", 9) == 0);
}

static void test_misuse(fc_cache *c) {
    const uint8_t *argv[2] = {(const uint8_t *)"GET", (const uint8_t *)"k"};
    size_t lens[2] = {3, 1};
    fc_reply *r = NULL;
    size_t len = 0;
    CHECK(fc_command(NULL, 2, argv, lens, &r) == FC_NULL_ARGUMENT && r == NULL);
    CHECK(fc_command(c, 2, NULL, lens, &r) == FC_NULL_ARGUMENT && r == NULL);
    CHECK(fc_command(c, 2, argv, NULL, &r) == FC_NULL_ARGUMENT && r == NULL);
    CHECK(fc_command(c, 2, argv, lens, NULL) == FC_NULL_ARGUMENT);
    CHECK(fc_command(c, 0, argv, lens, &r) == FC_INVALID_ARGUMENT && r == NULL);
    CHECK(strlen(fc_last_error()) > 0);
    /* a NULL argument with a length is refused; with length 0 it is an empty string */
    const uint8_t *with_null[2] = {(const uint8_t *)"GET", NULL};
    CHECK(fc_command(c, 2, with_null, lens, &r) == FC_NULL_ARGUMENT);
    size_t zero[2] = {3, 0};
    CHECK(fc_command(c, 2, with_null, zero, &r) == FC_OK && r->type == FC_REPLY_NIL);
    fc_reply_free(r);
    /* non-UTF-8 and zero-length arguments, wrong arity, unknown command */
    const uint8_t bad[] = {0xff, 0xfe, 0x00};
    const uint8_t *odd[3] = {(const uint8_t *)"SET", bad, (const uint8_t *)""};
    size_t oddlens[3] = {3, 3, 0};
    CHECK(fc_command(c, 3, odd, oddlens, &r) == FC_OK && r->type == FC_REPLY_STATUS);
    fc_reply_free(r);
    const uint8_t *incr[3] = {(const uint8_t *)"INCRBY", bad, bad};
    size_t incrlens[3] = {6, 3, 3};
    CHECK(fc_command(c, 3, incr, incrlens, &r) == FC_OK && r->type == FC_REPLY_ERROR);
    fc_reply_free(r);
    const uint8_t *nan[5] = {(const uint8_t *)"ZADD", (const uint8_t *)"z", (const uint8_t *)"nan", (const uint8_t *)"m"};
    size_t nanlens[4] = {4, 1, 3, 1};
    CHECK(fc_command(c, 4, nan, nanlens, &r) == FC_OK && r->type == FC_REPLY_ERROR);
    fc_reply_free(r);
    EXPECT_ERR(c, "ERR wrong number of arguments for 'get' command", "GET");
    EXPECT_ERR(c, "ERR unknown command 'NOPE'", "NOPE", "x");
    EXPECT_ERR(c, "ERR syntax error", "SET", "k", "v", "BOGUS");
    /* typed paths */
    CHECK(fc_get(NULL, (const uint8_t *)"k", 1, NULL, 0, &len) == FC_NULL_ARGUMENT);
    CHECK(fc_get(c, NULL, 5, NULL, 0, &len) == FC_NULL_ARGUMENT);
    CHECK(fc_get(c, (const uint8_t *)"k", 1, NULL, 0, NULL) == FC_NULL_ARGUMENT);
    CHECK(fc_get(c, (const uint8_t *)"k", SIZE_MAX, NULL, 0, &len) == FC_INVALID_ARGUMENT);
    CHECK(fc_zscore(c, (const uint8_t *)"z", 1, (const uint8_t *)"m", 1, NULL) == FC_NULL_ARGUMENT);
    CHECK(fc_cache_new(NULL, NULL) == FC_NULL_ARGUMENT);
    fc_options bad_opts;
    memset(&bad_opts, 0, sizeof bad_opts);
    bad_opts.eviction_policy = "no-such-policy";
    fc_cache *never = NULL;
    CHECK(fc_cache_new(&bad_opts, &never) == FC_INVALID_ARGUMENT && never == NULL);
    CHECK(strstr(fc_last_error(), "no-such-policy") != NULL);
    CHECK(strcmp(fc_status_str(FC_WRONG_TYPE), "wrong type") == 0);
    CHECK(strcmp(fc_status_str(12345), "unknown status") == 0);
    /* every free accepts NULL */
    fc_reply_free(NULL);
    fc_cache_free(NULL);
    fc_subscriber_free(NULL);
    fc_message_free(NULL);
}

#define THREADS 8
#define ROUNDS 20000

static void *hammer(void *arg) {
    fc_cache *c = (fc_cache *)arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (fc_incr(c, (const uint8_t *)"shared", 6, 1, NULL) != FC_OK) {
            return (void *)1;
        }
        if (i % 100 == 0) {
            fc_reply *r = CMD(c, "INCRBY", "shared2", "2");
            fc_reply_free(r);
        }
    }
    return NULL;
}

static void test_threads(fc_cache *c) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, hammer, c);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        void *res = NULL;
        pthread_join(t[i], &res);
        errors += res != NULL;
    }
    CHECK(errors == 0);
    int64_t total = 0;
    CHECK(fc_incr(c, (const uint8_t *)"shared", 6, 0, &total) == FC_OK && total == THREADS * ROUNDS);
    EXPECT_INT(c, THREADS * (ROUNDS / 100) * 2, "INCRBY", "shared2", "0");
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int received;
    char last[32];
} inbox;

static void on_message(void *userdata, const fc_message *m) {
    inbox *box = (inbox *)userdata;
    pthread_mutex_lock(&box->lock);
    size_t n = m->payload_len < sizeof box->last - 1 ? m->payload_len : sizeof box->last - 1;
    memcpy(box->last, m->payload, n);
    box->last[n] = 0;
    box->received++;
    pthread_cond_signal(&box->cond);
    pthread_mutex_unlock(&box->lock);
}

static void test_pubsub(fc_cache *c) {
    fc_subscriber *sub = NULL;
    CHECK(fc_subscriber_new(c, &sub) == FC_OK && sub != NULL);
    CHECK(fc_subscribe(sub, (const uint8_t *)"orders", 6) == FC_OK);
    CHECK(fc_psubscribe(sub, (const uint8_t *)"price:*", 7) == FC_OK);
    size_t receivers = 0;
    CHECK(fc_publish(c, (const uint8_t *)"orders", 6, (const uint8_t *)"o-1", 3, &receivers) == FC_OK && receivers == 1);
    fc_message *m = NULL;
    CHECK(fc_subscriber_poll(sub, 1000, &m) == FC_OK && m != NULL);
    CHECK(m && m->payload_len == 3 && memcmp(m->payload, "o-1", 3) == 0 && m->pattern == NULL);
    fc_message_free(m);
    CHECK(fc_publish(c, (const uint8_t *)"price:ACME", 10, (const uint8_t *)"12.5", 4, NULL) == FC_OK);
    CHECK(fc_subscriber_poll(sub, 1000, &m) == FC_OK && m != NULL);
    CHECK(m && m->pattern_len == 7 && memcmp(m->pattern, "price:*", 7) == 0);
    fc_message_free(m);
    m = (fc_message *)1;
    CHECK(fc_subscriber_poll(sub, 0, &m) == FC_OK && m == NULL);
    CHECK(fc_subscriber_poll(sub, -7, &m) == FC_INVALID_ARGUMENT);

    inbox box;
    pthread_mutex_init(&box.lock, NULL);
    pthread_cond_init(&box.cond, NULL);
    box.received = 0;
    box.last[0] = 0;
    CHECK(fc_subscriber_set_callback(sub, on_message, &box) == FC_OK);
    for (int i = 0; i < 100; i++) {
        char payload[16];
        snprintf(payload, sizeof payload, "msg-%d", i);
        fc_publish(c, (const uint8_t *)"orders", 6, (const uint8_t *)payload, strlen(payload), NULL);
    }
    pthread_mutex_lock(&box.lock);
    while (box.received < 100) {
        pthread_cond_wait(&box.cond, &box.lock);
    }
    pthread_mutex_unlock(&box.lock);
    CHECK(box.received == 100 && strcmp(box.last, "msg-99") == 0);
    CHECK(fc_unsubscribe(sub, (const uint8_t *)"orders", 6) == FC_OK);
    CHECK(fc_publish(c, (const uint8_t *)"orders", 6, (const uint8_t *)"late", 4, &receivers) == FC_OK && receivers == 0);
    fc_subscriber_free(sub);
    pthread_cond_destroy(&box.cond);
    pthread_mutex_destroy(&box.lock);
}

/* MULTI / EXEC / WATCH on a client handle. */
static void test_transactions(fc_cache *c) {
    fc_client *cl = NULL;
    CHECK(fc_client_new(c, &cl) == FC_OK && cl != NULL);
    fc_reply *r = CCMD(cl, "MULTI");
    CHECK(is_str(r, FC_REPLY_STATUS, "OK"));
    fc_reply_free(r);
    r = CCMD(cl, "SET", "tx:a", "1");
    CHECK(is_str(r, FC_REPLY_STATUS, "QUEUED"));
    fc_reply_free(r);
    fc_reply_free(CCMD(cl, "LPUSH", "tx:a", "x"));
    fc_reply_free(CCMD(cl, "INCR", "tx:a"));
    EXPECT_NIL(c, "GET", "tx:a"); /* nothing ran yet */
    r = CCMD(cl, "EXEC");
    CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 3);
    if (r && r->elements == 3) {
        CHECK(is_str(r->element[0], FC_REPLY_STATUS, "OK"));
        CHECK(r->element[1]->type == FC_REPLY_ERROR); /* WRONGTYPE, the others stay */
        CHECK(is_int(r->element[2], 2));
    }
    fc_reply_free(r);
    /* A watched key changed by another client: EXEC answers nil and applies nothing. */
    fc_reply_free(CCMD(cl, "WATCH", "tx:a"));
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "SET", "tx:a", "10");
    fc_reply_free(CCMD(cl, "MULTI"));
    fc_reply_free(CCMD(cl, "SET", "tx:b", "1"));
    r = CCMD(cl, "EXEC");
    CHECK(r && r->type == FC_REPLY_NIL);
    fc_reply_free(r);
    EXPECT_NIL(c, "GET", "tx:b");
    /* A command refused while queueing aborts the transaction. */
    fc_reply_free(CCMD(cl, "MULTI"));
    fc_reply_free(CCMD(cl, "SET", "tx:b", "1"));
    r = CCMD(cl, "NOSUCHCOMMAND");
    CHECK(r && r->type == FC_REPLY_ERROR);
    fc_reply_free(r);
    r = CCMD(cl, "EXEC");
    CHECK(r && r->type == FC_REPLY_ERROR && strncmp(r->str, "EXECABORT", 9) == 0);
    fc_reply_free(r);
    EXPECT_NIL(c, "GET", "tx:b");
    /* Misuse: NULL client, NULL out. */
    const uint8_t *argv[1] = {(const uint8_t *)"PING"};
    size_t lens[1] = {4};
    r = NULL;
    CHECK(fc_client_command(NULL, 1, argv, lens, &r) == FC_NULL_ARGUMENT && r == NULL);
    CHECK(fc_client_command(cl, 1, argv, lens, NULL) == FC_NULL_ARGUMENT);
    CHECK(fc_client_new(NULL, &cl) == FC_NULL_ARGUMENT);
    fc_client_free(cl);
    fc_client_free(NULL);
}

static void test_bitfield(fc_cache *c) {
    fc_reply *r = CMD(c, "BITFIELD", "bf", "INCRBY", "u8", "0", "200", "OVERFLOW", "FAIL",
                      "INCRBY", "u8", "0", "100", "SET", "i4", "#2", "-3");
    CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 3);
    if (r && r->elements == 3) {
        CHECK(is_int(r->element[0], 200));
        CHECK(r->element[1]->type == FC_REPLY_NIL); /* FAIL refused the overflow */
        CHECK(is_int(r->element[2], 0));
    }
    fc_reply_free(r);
    r = CMD(c, "BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i4", "8");
    CHECK(r && r->type == FC_REPLY_ARRAY && r->elements == 2);
    if (r && r->elements == 2) {
        CHECK(is_int(r->element[0], 200));
        CHECK(is_int(r->element[1], -3));
    }
    fc_reply_free(r);
    r = CMD(c, "BITFIELD_RO", "bf", "SET", "u8", "0", "1");
    CHECK(is_str(r, FC_REPLY_ERROR, "ERR BITFIELD_RO only supports the GET subcommand"));
    fc_reply_free(r);
    r = CMD(c, "BITFIELD", "bf", "GET", "u64", "0");
    CHECK(r && r->type == FC_REPLY_ERROR && strstr(r->str, "Invalid bitfield type") != NULL);
    fc_reply_free(r);
    fc_reply_free(CMD(c, "DEL", "bf"));
}

static void test_dump_restore(fc_cache *c) {
    fc_reply_free(CMD(c, "RPUSH", "dr:list", "a", "1", "b"));
    fc_reply *payload = CMD(c, "DUMP", "dr:list");
    CHECK(payload && payload->type == FC_REPLY_STRING && payload->len > 10);
    if (payload && payload->type == FC_REPLY_STRING) {
        const uint8_t *argv[4] = {(const uint8_t *)"RESTORE", (const uint8_t *)"dr:copy",
                                  (const uint8_t *)"0", (const uint8_t *)payload->str};
        size_t lens[4] = {7, 7, 1, payload->len};
        fc_reply *r = NULL;
        CHECK(fc_command(c, 4, argv, lens, &r) == FC_OK && is_str(r, FC_REPLY_STATUS, "OK"));
        fc_reply_free(r);
        EXPECT_INT(c, 3, "LLEN", "dr:copy");
        /* Again without REPLACE: BUSYKEY. */
        r = NULL;
        CHECK(fc_command(c, 4, argv, lens, &r) == FC_OK);
        CHECK(is_str(r, FC_REPLY_ERROR, "BUSYKEY Target key name already exists."));
        fc_reply_free(r);
        /* A payload one byte short fails its checksum. */
        lens[3] = payload->len - 1;
        argv[1] = (const uint8_t *)"dr:bad";
        lens[1] = 6;
        r = NULL;
        CHECK(fc_command(c, 4, argv, lens, &r) == FC_OK);
        CHECK(is_str(r, FC_REPLY_ERROR, "ERR DUMP payload version or checksum are wrong"));
        fc_reply_free(r);
    }
    fc_reply_free(payload);
    EXPECT_NIL(c, "DUMP", "dr:missing");
    fc_reply_free(CMD(c, "DEL", "dr:list", "dr:copy"));
}

static void test_snapshots(void) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/ferricache-abi-%ld.rdb", (long)getpid());
    remove(path);
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.snapshot_path = path;
    fc_cache *c = NULL;
    CHECK(fc_cache_new(&opts, &c) == FC_OK);
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "SET", "snap:k", "v");
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "SAVE");
    fc_cache_free(c);
    /* A warm restart. */
    c = NULL;
    CHECK(fc_cache_new(&opts, &c) == FC_OK);
    EXPECT_STR(c, FC_REPLY_STRING, "v", "GET", "snap:k");
    fc_cache_free(c);
    /* A bad file fails the build, saying so. */
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("REDIS0010 garbage", f);
        fclose(f);
    }
    c = NULL;
    CHECK(fc_cache_new(&opts, &c) == FC_INVALID_ARGUMENT && c == NULL);
    CHECK(strstr(fc_last_error(), "bad RDB file") != NULL);
    remove(path);
}

/* tests/data/redis7-stream-and-function.rdb, as redis-server 7.0 wrote it: a string
 * `kept`, a stream with a consumer group and a pending entry, and a function library. */
static const unsigned char STREAM_RDB[] = {
    0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x31, 0x30, 0xfa, 0x09, 0x72, 0x65, 0x64, 0x69, 0x73,
    0x2d, 0x76, 0x65, 0x72, 0x06, 0x37, 0x2e, 0x30, 0x2e, 0x31, 0x35, 0xfa, 0x0a, 0x72, 0x65, 0x64,
    0x69, 0x73, 0x2d, 0x62, 0x69, 0x74, 0x73, 0xc0, 0x40, 0xfa, 0x05, 0x63, 0x74, 0x69, 0x6d, 0x65,
    0xc2, 0x46, 0x73, 0x0d, 0x6b, 0xfa, 0x08, 0x75, 0x73, 0x65, 0x64, 0x2d, 0x6d, 0x65, 0x6d, 0xc2,
    0x40, 0x4b, 0x10, 0x00, 0xfa, 0x08, 0x61, 0x6f, 0x66, 0x2d, 0x62, 0x61, 0x73, 0x65, 0xc0, 0x00,
    0xf5, 0x40, 0x44, 0x23, 0x21, 0x6c, 0x75, 0x61, 0x20, 0x6e, 0x61, 0x6d, 0x65, 0x3d, 0x6c, 0x69,
    0x62, 0x0a, 0x72, 0x65, 0x64, 0x69, 0x73, 0x2e, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72,
    0x5f, 0x66, 0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28, 0x27, 0x66, 0x27, 0x2c, 0x20, 0x66,
    0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28, 0x29, 0x20, 0x72, 0x65, 0x74, 0x75, 0x72, 0x6e,
    0x20, 0x31, 0x20, 0x65, 0x6e, 0x64, 0x29, 0xfe, 0x00, 0xfb, 0x02, 0x00, 0x13, 0x06, 0x65, 0x76,
    0x65, 0x6e, 0x74, 0x73, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x24, 0x24, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x01, 0x00,
    0x01, 0x01, 0x01, 0x84, 0x74, 0x79, 0x70, 0x65, 0x05, 0x00, 0x01, 0x02, 0x01, 0x00, 0x01, 0x00,
    0x01, 0x85, 0x6c, 0x6f, 0x67, 0x69, 0x6e, 0x06, 0x04, 0x01, 0xff, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x00, 0x00, 0x01, 0x01, 0x07, 0x77, 0x6f, 0x72, 0x6b, 0x65, 0x72, 0x73, 0x01, 0x01, 0x01, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x13, 0x4c, 0x8a, 0x2c, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x77, 0x31, 0x13, 0x4c, 0x8a,
    0x2c, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x6b, 0x65, 0x70, 0x74, 0x03, 0x79, 0x65, 0x73,
    0xff, 0x1d, 0x03, 0x63, 0x46, 0x5d, 0xcd, 0xb8, 0x13,
};

static int reply_contains(const fc_reply *r, const char *text) {
    size_t n = strlen(text);
    if (!r || r->type != FC_REPLY_STRING || r->len < n) return 0;
    for (size_t i = 0; i + n <= r->len; i++)
        if (memcmp(r->str + i, text, n) == 0) return 1;
    return 0;
}

static void test_lenient_snapshot_load(void) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/ferricache-abi-lenient-%ld.rdb", (long)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(STREAM_RDB, 1, sizeof STREAM_RDB, f) == sizeof STREAM_RDB);
    fclose(f);
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.snapshot_path = path;
    fc_cache *c = NULL;
    CHECK(fc_cache_new(&opts, &c) == FC_INVALID_ARGUMENT && c == NULL);
    CHECK(strstr(fc_last_error(), "not supported") != NULL);
    opts.snapshot_lenient = 1;
    CHECK(fc_cache_new(&opts, &c) == FC_OK && c != NULL);
    EXPECT_STR(c, FC_REPLY_STRING, "yes", "GET", "kept");
    EXPECT_INT(c, 1, "DBSIZE");
    fc_reply *info = CMD(c, "INFO", "persistence");
    CHECK(reply_contains(info, "rdb_load_skipped_streams:1\r\n"));
    CHECK(reply_contains(info, "rdb_load_skipped_functions:1\r\n"));
    fc_reply_free(info);
    fc_cache_free(c);
    remove(path);
}

static void test_databases(fc_cache *c) {
    fc_cache *five = NULL;
    CHECK(fc_cache_select(c, 5, &five) == FC_OK && five != NULL);
    EXPECT_STR(five, FC_REPLY_STATUS, "OK", "SET", "db:k", "five");
    EXPECT_NIL(c, "GET", "db:k");
    EXPECT_STR(five, FC_REPLY_STRING, "five", "GET", "db:k");
    EXPECT_INT(five, 1, "DBSIZE");
    EXPECT_INT(five, 1, "MOVE", "db:k", "6");
    EXPECT_INT(five, 0, "DBSIZE");
    EXPECT_STR(c, FC_REPLY_STATUS, "OK", "SWAPDB", "5", "6");
    EXPECT_STR(five, FC_REPLY_STRING, "five", "GET", "db:k");
    EXPECT_INT(five, 1, "COPY", "db:k", "db:k", "DB", "0");
    EXPECT_STR(c, FC_REPLY_STRING, "five", "GET", "db:k");
    EXPECT_STR(five, FC_REPLY_STATUS, "OK", "FLUSHDB");
    EXPECT_STR(c, FC_REPLY_STRING, "five", "GET", "db:k");
    fc_reply_free(CMD(c, "DEL", "db:k"));
    /* A client switches with SELECT, also inside MULTI. */
    fc_client *cl = NULL;
    CHECK(fc_client_new(c, &cl) == FC_OK);
    fc_reply *r = CCMD(cl, "SELECT", "5");
    CHECK(is_str(r, FC_REPLY_STATUS, "OK"));
    fc_reply_free(r);
    fc_reply_free(CCMD(cl, "SET", "db:c", "via client"));
    EXPECT_STR(five, FC_REPLY_STRING, "via client", "GET", "db:c");
    r = CCMD(cl, "SELECT", "16");
    CHECK(is_str(r, FC_REPLY_ERROR, "ERR DB index is out of range"));
    fc_reply_free(r);
    fc_client_free(cl);
    EXPECT_STR(five, FC_REPLY_STATUS, "OK", "FLUSHDB");
    /* The stateless handle cannot switch; misuse is refused. */
    r = CMD(c, "SELECT", "1");
    CHECK(r && r->type == FC_REPLY_ERROR);
    fc_reply_free(r);
    fc_cache *none = NULL;
    CHECK(fc_cache_select(c, 16, &none) == FC_INVALID_ARGUMENT && none == NULL);
    CHECK(fc_cache_select(NULL, 1, &none) == FC_NULL_ARGUMENT);
    CHECK(fc_cache_select(c, 1, NULL) == FC_NULL_ARGUMENT);
    fc_cache_free(five);
    /* fc_options.databases bounds the numbers. */
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.databases = 2;
    fc_cache *two = NULL;
    CHECK(fc_cache_new(&opts, &two) == FC_OK);
    CHECK(fc_cache_select(two, 1, &none) == FC_OK);
    fc_cache_free(none);
    CHECK(fc_cache_select(two, 2, &none) == FC_INVALID_ARGUMENT);
    fc_cache_free(two);
    opts.databases = 300;
    CHECK(fc_cache_new(&opts, &two) == FC_INVALID_ARGUMENT);
}

int main(void) {
    fc_cache *c = NULL;
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.max_memory = 64u << 20;
    opts.eviction_policy = "allkeys-lru";
    if (fc_cache_new(&opts, &c) != FC_OK) {
        fprintf(stderr, "fc_cache_new: %s\n", fc_last_error());
        return 1;
    }
    test_families(c);
    test_typed(c);
    test_misuse(c);
    test_threads(c);
    test_pubsub(c);
    test_transactions(c);
    test_databases(c);
    test_bitfield(c);
    test_dump_restore(c);
    fc_cache_free(c);
    test_snapshots();
    test_lenient_snapshot_load();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
