/* Clock alignment to rank 0: this rank's exchange samples (init, every sync point, finalize) and the
 * fit of offset and drift through them. The fit is a pure function (unit-tested without MPI); the
 * session's side runs the exchanges and keeps s->clock up to date for every pack (spills, finalize). */
#include "clock_align.h"

#include <math.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "timer.h"

#define EXCHANGE_ROUNDS 16          /* ping-pongs per rank at init and finalize: the best one is kept */
#define FINALIZE_READY_MS 200       /* rank 0 waits this long for the others at the finalize exchange:
                                       a rank later than that misses only this sample, and the gather
                                       alone decides (with its own deadline) whether it is missing */
#define KEEP_DELAY_FLOOR_NS 50000   /* samples with delay <= 4 x the smallest + this take part in the fit */
#define WEIGHT_FLOOR_NS 100.0       /* keeps weights finite for a zero-delay sample */
#define DRIFT_MIN_SPAN_NS 100000000 /* drift is fitted only over >= 100 ms of samples; below, noise wins */
#define DRIFT_MAX_PPM 500.0         /* beyond this it is not a clock's drift but noise: offset only */

/* ---- the samples and the fit (pure) ---------------------------------------------------------- */

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

/* ---- the session's side ---------------------------------------------------------------------- */

static struct wpr_clock_samples samples; /* this session's; only the thread driving the session */

static int64_t position_clock(void) { return wpr_time_ns(); }

static void refit(struct wpr_session *s) {
  if (s->comm.rank == 0 || s->comm.size <= 1) {
    memset(&s->clock, 0, sizeof(s->clock)); /* the reference itself: exact */
    return;
  }
  wpr_clock_fit_samples(samples.v, samples.n, &s->clock);
}

static void add(const struct wpc_clock_sample *x) {
  if (!x->valid) return;
  struct wpr_clock_sample y = {x->local_ns, x->offset_ns, x->delay_ns};
  wpr_clock_samples_add(&samples, &y);
}

static void exchange(struct wpr_session *s, const char *when, int ready_wait_ms) {
  if (s->comm.size <= 1) return;
  struct wpc_clock_sample x;
  uint64_t t0 = wpr_mono_ns();
  int rc = wpc_clock_exchange(&s->comm, EXCHANGE_ROUNDS, ready_wait_ms, &x);
  add(&x);
  WPR_DEBUG("clock exchange at %s: %s in %.3f ms%s", when, rc == WPC_OK ? "ok" : "incomplete",
            (double)(wpr_mono_ns() - t0) / 1e6, x.valid ? "" : " (no sample for this rank)");
  if (x.valid)
    WPR_DEBUG("clock sample: offset %lld ns, delay %lld ns", (long long)x.offset_ns, (long long)x.delay_ns);
}

void wpr_clock_session_begin(struct wpr_session *s) {
  memset(&samples, 0, sizeof(samples));
  s->comm.clock_ns = position_clock;
  exchange(s, "init", 0);
  refit(s);
}

void wpr_clock_note_sync(struct wpr_session *s, const struct wpc_clock_sample *x) {
  if (s->comm.rank == 0 || !x->valid) return;
  add(x);
  refit(s);
}

int wpr_clock_session_end(struct wpr_session *s) {
  struct wpr_clock_fit before = s->clock;
  exchange(s, "finalize", FINALIZE_READY_MS);
  refit(s);
  return memcmp(&before, &s->clock, sizeof(before)) != 0;
}
