/* TSC calibration: a multiplier (ns per tick, 32.32 fixed point) measured against CLOCK_MONOTONIC
 * over at least 2 ms (from the library's load to wprof_init), and an anchor pair that maps tick
 * readings onto the node's CLOCK_MONOTONIC timebase; and the UTC text of a wall-clock time. */
#include "timer.h"

#include <pthread.h>
#include <stdio.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* Until calibration, ticks are CLOCK_MONOTONIC nanoseconds, so early readings are still valid. */
struct wpr_timer wpr_timer_state = {.use_tsc = 0, .mult = 1ull << 32, .anchor_ticks = 0, .anchor_ns = 0};

int64_t wpr_clock_test_offset_ns;

void wpr_timer_set_test_offset(int64_t ns) { wpr_clock_test_offset_ns = ns; }

static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

#define CALIBRATION_NS 2000000u
#define ANCHOR_TRIES 16

/* A TSC that ticks at a constant rate through frequency changes and sleep states (CPUID
 * 0x80000007 EDX bit 8); without it, TSC deltas are not durations. */
static int tsc_invariant(void) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return 0;
  if (!__get_cpuid(0x80000007u, &a, &b, &c, &d)) return 0;
  return (d >> 8) & 1u;
#else
  return 0;
#endif
}

#if defined(__x86_64__) || defined(__i386__)
/* A (tsc, monotonic) pair: the TSC read between two clock reads, from the tightest of a few tries,
 * so a preemption in the middle of one try does not skew the pair. */
static void anchor_pair(uint64_t *ticks, uint64_t *ns) {
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < ANCHOR_TRIES; i++) {
    uint64_t t0 = wpr_mono_ns();
    uint64_t tsc = __rdtsc();
    uint64_t t1 = wpr_mono_ns();
    if (t1 - t0 < best) {
      best = t1 - t0;
      *ticks = tsc;
      *ns = t0 + (t1 - t0) / 2;
    }
  }
}

/* The first pair of the calibration, taken when libwprof is loaded: by wprof_init (after MPI_Init,
 * tens of milliseconds later) the interval is long past CALIBRATION_NS, so calibrating costs init
 * nothing, and a longer interval gives a more exact multiplier. Only read by timer_calibrate. */
static uint64_t early_tsc, early_ns;
static int have_early;

__attribute__((constructor)) static void timer_early_anchor(void) {
  if (!tsc_invariant()) return;
  anchor_pair(&early_tsc, &early_ns);
  have_early = 1;
}

static void calibrate_tsc(void) {
  uint64_t tsc0, ns0, tsc1, ns1;
  if (have_early) tsc0 = early_tsc, ns0 = early_ns;
  else anchor_pair(&tsc0, &ns0);
  /* when init comes sooner: sleep out the rest (a spin would take the core from the other ranks
   * of an oversubscribed node); only the two anchor pairs need to be tight */
  uint64_t elapsed = wpr_mono_ns() - ns0;
  if (elapsed < CALIBRATION_NS) {
    struct timespec rest = {0, (long)(CALIBRATION_NS - elapsed)};
    while (nanosleep(&rest, &rest) != 0) {
    }
  }
  anchor_pair(&tsc1, &ns1);
  if (tsc1 <= tsc0 || ns1 <= ns0) return; /* a TSC that does not advance: stay on the clock */
  wpr_timer_state.mult = (uint64_t)(((unsigned __int128)(ns1 - ns0) << 32) / (tsc1 - tsc0));
  wpr_timer_state.anchor_ticks = tsc1;
  wpr_timer_state.anchor_ns = ns1;
  wpr_timer_state.use_tsc = 1;
}
#endif

static void timer_calibrate(void) {
#if defined(__x86_64__) || defined(__i386__)
  if (tsc_invariant()) calibrate_tsc();
#endif
}

void wpr_timer_init(void) { pthread_once(&timer_once, timer_calibrate); }

/* t as "YYYY-MM-DDTHH:MM:SSZ" (UTC, what strftime gives of gmtime_r), computed: glibc's gmtime_r
 * reads the time zone file at a process's first call (~55 us of a rank's first spill), and UTC needs
 * none. Days since 1970-01-01 to a civil date by H. Hinnant's days-to-civil algorithm. */
void wpr_utc_text(time_t t, char *buf, size_t len) {
  int64_t secs = (int64_t)t, days = secs / 86400, rem = secs % 86400;
  if (rem < 0) rem += 86400, days--;
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                    /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  snprintf(buf, len, "%lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)year, (long long)month, (long long)day,
           (long long)(rem / 3600), (long long)(rem / 60 % 60), (long long)(rem % 60));
}
