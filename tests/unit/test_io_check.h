/* The unit tests' one assertion: print where it failed and make the test function return 1. */
#ifndef TEST_IO_CHECK_H
#define TEST_IO_CHECK_H
#include <stdint.h>
#include <stdio.h>

#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
      return 1;                                                                   \
    }                                                                             \
  } while (0)

/* Runs a test function and counts its failure. */
#define RUN(fails, fn)                                                            \
  do {                                                                            \
    if (fn()) {                                                                   \
      fprintf(stderr, "FAIL %s\n", #fn);                                          \
      (fails)++;                                                                  \
    } else {                                                                      \
      printf("ok   %s\n", #fn);                                                   \
    }                                                                             \
  } while (0)

/* xorshift64*: reproducible pseudo-random numbers for the tests. */
static inline uint64_t test_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}
static inline double test_unit(uint64_t *s) { return (double)(test_rand(s) >> 11) / 9007199254740992.0; }
#endif
