/*
 * What the C test programs share: CHECK counts a passed or failed condition, and prints
 * the failed one with fc_last_error(). A program ends by printing "N passed, N failed".
 */
#ifndef FERRICACHE_TESTS_CHECK_H
#define FERRICACHE_TESTS_CHECK_H

#include <stdio.h>

#include "ferricache.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",       \
                    __FILE__, __LINE__, #cond, fc_last_error());                 \
        }                                                                        \
    } while (0)

#endif
