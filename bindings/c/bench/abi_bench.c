/*
 * Times the typed fast paths from C: fc_get (a hit, into a buffer) and fc_set, on 1,000
 * keys with 16-byte values. Prints one line per operation: name and the median ns per
 * call over 15 rounds. scripts/bench-c.sh runs it beside the same calls from Rust
 * (bindings/c/examples/native_bench.rs) and prints the difference.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferricache.h"

#define KEYS 1000
#define ITERS 200000
#define ROUNDS 15

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char keys[KEYS][16];
static size_t keylens[KEYS];
static const char value[] = "0123456789abcdef";

static double round_get(fc_cache *c) {
    char buf[64];
    size_t len = 0;
    unsigned long sum = 0;
    double t0 = now_ns();
    for (int i = 0; i < ITERS; i++) {
        int k = i % KEYS;
        fc_get(c, (const uint8_t *)keys[k], keylens[k], (uint8_t *)buf, sizeof buf, &len);
        sum += len;
    }
    double t = (now_ns() - t0) / ITERS;
    if (sum != (unsigned long)ITERS * 16) {
        fprintf(stderr, "unexpected get results\n");
        exit(1);
    }
    return t;
}

static double round_set(fc_cache *c) {
    double t0 = now_ns();
    for (int i = 0; i < ITERS; i++) {
        int k = i % KEYS;
        fc_set(c, (const uint8_t *)keys[k], keylens[k], (const uint8_t *)value, 16, 0, 0, NULL);
    }
    return (now_ns() - t0) / ITERS;
}

static void report(const char *name, fc_cache *c, double (*round)(fc_cache *)) {
    double t[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        t[r] = round(c);
    }
    qsort(t, ROUNDS, sizeof t[0], cmp);
    printf("%s %.1f\n", name, t[ROUNDS / 2]);
}

int main(void) {
    fc_cache *c = NULL;
    if (fc_cache_new(NULL, &c) != FC_OK) {
        return 1;
    }
    for (int k = 0; k < KEYS; k++) {
        keylens[k] = (size_t)snprintf(keys[k], sizeof keys[k], "key:%d", k);
        fc_set(c, (const uint8_t *)keys[k], keylens[k], (const uint8_t *)value, 16, 0, 0, NULL);
    }
    report("get", c, round_get);
    report("set", c, round_set);
    fc_cache_free(c);
    return 0;
}
