/* Messages to stderr: one prefixed line per message, written with a single fprintf so lines of
 * concurrent threads and ranks do not interleave mid-line. Level and rank are process-wide atomics. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int log_level = WPR_LOG_WARN;
static atomic_int log_rank = -1;

void wpr_log_set_level(int level) {
  if (level < WPR_LOG_ERROR) level = WPR_LOG_ERROR;
  if (level > WPR_LOG_DEBUG) level = WPR_LOG_DEBUG;
  atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

void wpr_log_set_rank(int rank) { atomic_store_explicit(&log_rank, rank, memory_order_relaxed); }

int wpr_log_enabled(int level) {
  return level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

static const char *level_word(int level) {
  switch (level) {
  case WPR_LOG_ERROR: return "error: ";
  case WPR_LOG_WARN: return "warning: ";
  case WPR_LOG_DEBUG: return "debug: ";
  default: return "";
  }
}

/* Formats the whole line first: stdio locks the stream per call, so one fprintf is one line. */
static void log_emit(int level, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  int rank = atomic_load_explicit(&log_rank, memory_order_relaxed);
  if (rank >= 0)
    fprintf(stderr, "wprof[rank %d]: %s%s\n", rank, level_word(level), msg);
  else
    fprintf(stderr, "wprof: %s%s\n", level_word(level), msg);
}

void wpr_log(int level, const char *fmt, ...) {
  if (!wpr_log_enabled(level)) return;
  va_list ap;
  va_start(ap, fmt);
  log_emit(level, fmt, ap);
  va_end(ap);
}

void wpr_warn_once(int *flag, const char *fmt, ...) {
  /* the exchange makes exactly one of several racing threads the one that warns */
  if (__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED)) return;
  if (!wpr_log_enabled(WPR_LOG_WARN)) return;
  va_list ap;
  va_start(ap, fmt);
  log_emit(WPR_LOG_WARN, fmt, ap);
  va_end(ap);
}
