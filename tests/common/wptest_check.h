/* The C tests' assertions, one set for every test program, and their reproducible random inputs.
 * Failures go to stderr, unbuffered, so a line is not lost when a rank is killed or hangs after it. */
#ifndef WPTEST_CHECK_H
#define WPTEST_CHECK_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* CHECK(cond), in a test function that returns int: print where it failed and return 1. Later
 * checks of that function often depend on this one (a pointer, a length), so it stops there. */
#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
      return 1;                                                                   \
    }                                                                             \
  } while (0)

/* Runs a CHECK-style test function and counts its failure. */
#define RUN(fails, fn)                                                            \
  do {                                                                            \
    if (fn()) {                                                                   \
      fprintf(stderr, "FAIL %s\n", #fn);                                          \
      (fails)++;                                                                  \
    } else {                                                                      \
      printf("ok   %s\n", #fn);                                                   \
    }                                                                             \
  } while (0)

/* EXPECT(cond, fmt, ...): print where, the condition and a printf-style message, count the failure
 * and go on. main returns wptest_failures() != 0; MPI programs call wptest_set_rank() first so every
 * line names its rank. */
#define EXPECT(cond, ...)                                                         \
  do {                                                                            \
    if (!(cond)) wptest_expect_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);    \
  } while (0)

/* The program's failure count and rank (-1: not an MPI program). Each test is one translation
 * unit, so this one static is the program's. */
struct wptest_state {
  int failures;
  int rank;
};

static inline struct wptest_state *wptest_state(void) {
  static struct wptest_state s = {0, -1};
  return &s;
}

static inline int wptest_failures(void) { return wptest_state()->failures; }
static inline void wptest_set_rank(int rank) { wptest_state()->rank = rank; }

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static inline void wptest_expect_failed(const char *file, int line, const char *cond, const char *fmt, ...);

/* One write per failure line, so the lines of ranks sharing a terminal do not interleave. */
static inline void wptest_expect_failed(const char *file, int line, const char *cond, const char *fmt, ...) {
  struct wptest_state *s = wptest_state();
  char msg[1024];
  size_t o = 0;
  int k = s->rank >= 0 ? snprintf(msg, sizeof msg, "rank %d: ", s->rank) : 0;
  if (k > 0) o = (size_t)k;
  k = snprintf(msg + o, sizeof msg - o, "FAIL %s:%d: %s: ", file, line, cond);
  if (k > 0) o += (size_t)k;
  if (o < sizeof msg - 1) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + o, sizeof msg - 1 - o, fmt, ap);
    va_end(ap);
  }
  size_t len = strlen(msg);
  if (len > sizeof msg - 2) len = sizeof msg - 2;
  msg[len] = '\n';
  msg[len + 1] = '\0';
  s->failures++;
  fputs(msg, stderr);
}

/* xorshift64*: reproducible pseudo-random numbers for the tests. */
static inline uint64_t wptest_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}
/* Uniform in [0, 1). */
static inline double wptest_unit(uint64_t *s) { return (double)(wptest_rand(s) >> 11) / 9007199254740992.0; }

#endif
