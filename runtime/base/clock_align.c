/* Clock alignment to rank 0: a set of exchange samples and the fit of offset and drift through them,
 * pure functions (unit-tested without MPI). The exchanges that take the samples are the session's
 * (session/clock_exchange.c). */
#include "clock_align.h"

#include <math.h>
#include <string.h>


#define KEEP_DELAY_FLOOR_NS 50000   /* samples with delay <= 4 x the smallest + this take part in the fit */
#define WEIGHT_FLOOR_NS 100.0       /* keeps weights finite for a zero-delay sample */
#define DRIFT_MIN_SPAN_NS 100000000 /* drift is fitted only over >= 100 ms of samples; below, noise wins */
#define DRIFT_MAX_PPM 500.0         /* beyond this it is not a clock's drift but noise: offset only */

void wpr_clock_samples_add(struct wpr_clock_samples *set, const struct wpr_clock_sample *x) {
  if (set->per_slot < 1) set->per_slot = 1;
  if (set->n > 1 && set->in_last < set->per_slot) { /* the last slot takes this one too */
    if (x->delay_ns <= set->v[set->n - 1].delay_ns) set->v[set->n - 1] = *x;
    set->in_last++;
    return;
  }
  if (set->n == WPR_CLOCK_MAX_SAMPLES) {
    /* keep the first (the init exchange), merge each later pair into its smaller-delay sample */
    int kept = 1;
    for (int i = 1; i < set->n; i += 2) {
      const struct wpr_clock_sample *a = &set->v[i];
      const struct wpr_clock_sample *b = i + 1 < set->n ? &set->v[i + 1] : a;
      set->v[kept++] = b->delay_ns < a->delay_ns ? *b : *a;
    }
    set->n = kept;
    set->per_slot *= 2;
  }
  set->v[set->n++] = *x;
  set->in_last = 1;
}

static int64_t min_delay(const struct wpr_clock_sample *v, int n) {
  int64_t d = v[0].delay_ns;
  for (int i = 1; i < n; i++)
    if (v[i].delay_ns < d) d = v[i].delay_ns;
  return d;
}

static double weight_of(const struct wpr_clock_sample *x) {
  double half = (double)x->delay_ns / 2.0 + WEIGHT_FLOOR_NS;
  return 1.0 / (half * half);
}

struct sums {
  int used;
  double w, t, y; /* sum of weights, weighted means of time (from t0) and offset */
  int64_t t_lo, t_hi;
};

static struct sums weighted_means(const struct wpr_clock_sample *v, int n, int64_t keep, int64_t t0) {
  struct sums s = {0, 0, 0, 0, INT64_MAX, INT64_MIN};
  for (int i = 0; i < n; i++) {
    if (v[i].delay_ns > keep) continue;
    double w = weight_of(&v[i]);
    s.used++;
    s.w += w;
    s.t += w * (double)(v[i].local_ns - t0);
    s.y += w * (double)v[i].offset_ns;
    if (v[i].local_ns < s.t_lo) s.t_lo = v[i].local_ns;
    if (v[i].local_ns > s.t_hi) s.t_hi = v[i].local_ns;
  }
  s.t /= s.w;
  s.y /= s.w;
  return s;
}

/* Slope of the offset over local time (ns per ns), by weighted least squares around the means. */
static double fit_slope(const struct wpr_clock_sample *v, int n, int64_t keep, int64_t t0, const struct sums *s) {
  if (s->used < 2 || s->t_hi - s->t_lo < DRIFT_MIN_SPAN_NS) return 0;
  double stt = 0, sty = 0;
  for (int i = 0; i < n; i++) {
    if (v[i].delay_ns > keep) continue;
    double w = weight_of(&v[i]);
    double dt = (double)(v[i].local_ns - t0) - s->t;
    stt += w * dt * dt;
    sty += w * dt * ((double)v[i].offset_ns - s->y);
  }
  if (stt <= 0) return 0;
  double slope = sty / stt;
  return fabs(slope * 1e6) > DRIFT_MAX_PPM ? 0 : slope;
}

int wpr_clock_fit_samples(const struct wpr_clock_sample *v, int n, struct wpr_clock_fit *out) {
  memset(out, 0, sizeof(*out));
  out->residual_ns = -1;
  if (!v || n <= 0) return 0;
  int64_t dmin = min_delay(v, n);
  if (dmin < 0) dmin = 0;
  int64_t keep = 4 * dmin + KEEP_DELAY_FLOOR_NS;
  int64_t t0 = v[0].local_ns;
  struct sums s = weighted_means(v, n, keep, t0);
  double slope = fit_slope(v, n, keep, t0, &s);
  /* residual: the weighted RMS of the kept samples around the line, combined with half the best
   * round trip (no sample can pin the offset closer than that) */
  double sr = 0;
  for (int i = 0; i < n; i++) {
    if (v[i].delay_ns > keep) continue;
    double r = (double)v[i].offset_ns - (s.y + slope * ((double)(v[i].local_ns - t0) - s.t));
    sr += weight_of(&v[i]) * r * r;
  }
  double half = (double)dmin / 2.0;
  double residual = sqrt(sr / s.w + half * half);
  out->ref_ns = t0 + (int64_t)llround(s.t);
  out->offset_ns = (int64_t)llround(s.y);
  out->drift_ppm = slope * 1e6;
  out->residual_ns = residual < 1.0 ? 1 : (int64_t)ceil(residual);
  return s.used;
}
