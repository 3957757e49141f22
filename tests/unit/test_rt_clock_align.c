/* Unit test of the clock fit (runtime/window/clock_align.c), no MPI: synthetic exchange samples with a known
 * offset, drift and noise (each sample's error within half its delay, as NTP guarantees), outliers
 * with large delays, and the degenerate cases; plus the bounded sample set and the fit's application. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock_align.h"
#include "wptest_check.h"

#define SEC 1000000000LL

/* A sample at local time t of a clock offset0 + drift*(t - t_ref) ahead of rank 0, measured with a
 * round trip `delay` and an error of frac * delay/2 (frac in [-1, 1]). */
static struct wpr_clock_sample sample(int64_t t, int64_t offset0, double drift_ppm, int64_t t_ref, int64_t delay,
                                      double frac) {
  double truth = (double)offset0 + drift_ppm * 1e-6 * (double)(t - t_ref);
  struct wpr_clock_sample x = {t, (int64_t)llround(truth + frac * (double)delay / 2), delay};
  return x;
}

static double frand(unsigned *state) { /* [-1, 1], reproducible */
  *state = *state * 1103515245u + 12345u;
  return ((double)((*state >> 8) & 0xffff) / 32767.5) - 1.0;
}

/* The true offset at local time t against the fit's. */
static double fit_error(const struct wpr_clock_fit *f, int64_t t, int64_t offset0, double drift_ppm, int64_t t_ref) {
  double truth = (double)offset0 + drift_ppm * 1e-6 * (double)(t - t_ref);
  double fitted = (double)(t - wpr_clock_to_root(f, t));
  return fabs(fitted - truth);
}

static int empty_and_one(void) {
  struct wpr_clock_fit f;
  CHECK(wpr_clock_fit_samples(NULL, 0, &f) == 0);
  CHECK(f.offset_ns == 0 && f.drift_ppm == 0 && f.residual_ns == -1);
  CHECK(wpr_clock_to_root(&f, 12345) == 12345); /* no samples: the identity */
  struct wpr_clock_sample one = {5 * SEC, 50000000, 4000};
  CHECK(wpr_clock_fit_samples(&one, 1, &f) == 1);
  CHECK(f.offset_ns == 50000000 && f.drift_ppm == 0 && f.ref_ns == 5 * SEC);
  CHECK(f.residual_ns == 2000); /* half the round trip */
  CHECK(wpr_clock_to_root(&f, 6 * SEC) == 6 * SEC - 50000000);
  return 0;
}

/* Many samples at one local time: no drift can be told, the offset is their weighted mean. */
static int all_same_time(void) {
  struct wpr_clock_sample v[8];
  for (int i = 0; i < 8; i++) v[i] = (struct wpr_clock_sample){SEC, 1000 + (i % 2 ? 300 : -300), 2000};
  struct wpr_clock_fit f;
  CHECK(wpr_clock_fit_samples(v, 8, &f) == 8);
  CHECK(f.drift_ppm == 0 && f.offset_ns == 1000 && f.ref_ns == SEC);
  printf("same time: residual %lld ns\n", (long long)f.residual_ns);
  CHECK(f.residual_ns >= 300 && f.residual_ns <= 1100); /* the spread and half the round trip */
  return 0;
}

/* Offset 3 ms, drift 20 ppm over 60 s: tight init/finalize samples, noisy sync samples, outliers. */
static int offset_drift_noise_outliers(void) {
  const int64_t t_ref = 100 * SEC, offset0 = 3000000;
  const double drift = 20.0;
  struct wpr_clock_samples *set = calloc(1, sizeof(*set));
  CHECK(set != NULL);
  unsigned rng = 7;
  struct wpr_clock_sample x = sample(t_ref, offset0, drift, t_ref, 3000, frand(&rng)); /* init */
  wpr_clock_samples_add(set, &x);
  int64_t max_delay_kept = 0;
  for (int i = 1; i < 120; i++) { /* sync points every 0.5 s */
    int64_t t = t_ref + i * SEC / 2;
    int64_t delay = 5000 + (int64_t)(20000 * (frand(&rng) + 1));
    if (i % 10 == 0) delay = 20000000; /* outlier: 20 ms round trip, its error up to 10 ms */
    else if (delay > max_delay_kept) max_delay_kept = delay;
    x = sample(t, offset0, drift, t_ref, delay, frand(&rng));
    wpr_clock_samples_add(set, &x);
  }
  x = sample(t_ref + 60 * SEC, offset0, drift, t_ref, 3000, frand(&rng)); /* finalize */
  wpr_clock_samples_add(set, &x);
  struct wpr_clock_fit f;
  int used = wpr_clock_fit_samples(set->v, set->n, &f);
  double worst = 0;
  for (int64_t t = t_ref; t <= t_ref + 60 * SEC; t += SEC) {
    double e = fit_error(&f, t, offset0, drift, t_ref);
    worst = e > worst ? e : worst;
  }
  printf("offset/drift: used %d of %d, offset %lld ns at %lld, drift %.3f ppm, residual %lld ns, worst error %.0f ns\n",
         used, set->n, (long long)f.offset_ns, (long long)f.ref_ns, f.drift_ppm, (long long)f.residual_ns, worst);
  CHECK(used < set->n && used > 10);            /* the 20 ms outliers are left out */
  CHECK(fabs(f.drift_ppm - drift) < 1.0);       /* 20 ppm recovered within 1 ppm */
  CHECK(worst < 5000);                          /* within 5 us over the whole minute */
  CHECK(f.residual_ns > 0 && f.residual_ns < 20000);
  CHECK(worst <= 3.0 * (double)f.residual_ns); /* the residual is an honest size of the error */
  free(set);
  return 0;
}

/* Two samples 1 ms apart: drift is not fitted over so short a span (noise would dominate). */
static int short_span_no_drift(void) {
  struct wpr_clock_sample v[2] = {{SEC, 10000, 2000}, {SEC + 1000000, 11000, 2000}};
  struct wpr_clock_fit f;
  CHECK(wpr_clock_fit_samples(v, 2, &f) == 2);
  CHECK(f.drift_ppm == 0 && f.offset_ns == 10500 && f.residual_ns >= 500);
  return 0;
}

/* The set stays bounded, keeps the first sample and the best of merged neighbours, spans the run. */
static int bounded_samples(void) {
  struct wpr_clock_samples *set = calloc(1, sizeof(*set));
  CHECK(set != NULL);
  for (int i = 0; i < 1000; i++) {
    struct wpr_clock_sample x = {(int64_t)i * SEC, 42, i == 0 ? 1 : 1000 + (i % 7) * 100};
    wpr_clock_samples_add(set, &x);
  }
  CHECK(set->n > 0 && set->n <= WPR_CLOCK_MAX_SAMPLES);
  CHECK(set->v[0].local_ns == 0 && set->v[0].delay_ns == 1);
  CHECK(set->v[set->n - 1].local_ns >= 990 * SEC); /* the last slot: the best of the latest few */
  int64_t gap = 0; /* no stretch of the run left without samples: a few merges, a few seconds */
  for (int i = 1; i < set->n; i++) {
    CHECK(set->v[i].local_ns > set->v[i - 1].local_ns);
    if (set->v[i].local_ns - set->v[i - 1].local_ns > gap) gap = set->v[i].local_ns - set->v[i - 1].local_ns;
  }
  printf("bounded: %d samples of 1000, largest gap %lld s\n", set->n, (long long)(gap / SEC));
  CHECK(gap <= 16 * SEC);
  struct wpr_clock_fit f;
  CHECK(wpr_clock_fit_samples(set->v, set->n, &f) > 0 && f.offset_ns == 42);
  free(set);
  return 0;
}

/* Drift applies around ref_ns: 100 ppm over 1 s is 100 us. */
static int to_root(void) {
  struct wpr_clock_fit f = {.offset_ns = 1000, .drift_ppm = 100.0, .residual_ns = 1, .ref_ns = 10 * SEC};
  CHECK(wpr_clock_to_root(&f, 10 * SEC) == 10 * SEC - 1000);
  CHECK(wpr_clock_to_root(&f, 11 * SEC) == 11 * SEC - 1000 - 100000);
  CHECK(wpr_clock_to_root(&f, 9 * SEC) == 9 * SEC - 1000 + 100000);
  struct wpr_clock_fit zero = {0, 0, 0, 0};
  CHECK(wpr_clock_to_root(&zero, 77) == 77);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, empty_and_one);
  RUN(fails, all_same_time);
  RUN(fails, offset_drift_noise_outliers);
  RUN(fails, short_span_no_drift);
  RUN(fails, bounded_samples);
  RUN(fails, to_root);
  return fails ? 1 : 0;
}
