/* Milliseconds for the timing checks of the MPI tests: a monotonic clock, a sleep that resumes
 * after signals, and the duration argument (the sync timeout) of a test program. */
#ifndef WPTEST_CLOCK_H
#define WPTEST_CLOCK_H

#include <stdlib.h>
#include <time.h>

static inline double wptest_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void wptest_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* A whole number of ms, or dflt when s is absent or not all digits. */
static inline int wptest_arg_ms(const char *s, int dflt) {
  char *end;
  long v = s ? strtol(s, &end, 10) : 0;
  return (s && *s && *end == '\0') ? (int)v : dflt;
}

#endif
