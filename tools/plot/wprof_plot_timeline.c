/* A compact timeline: one lane per rank over the job's time (rank 0's timebase), events colored by
 * kind; host work in the upper half of a lane, GPU work in the lower half. Events closer than a pixel
 * are drawn as one bar, so the file stays small whatever the event count. Without /timeline, the
 * lanes show the profiling windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_plot.h"

#define LANES_PX 900.0
#define LANE_MAX 24.0
#define LEFT 64.0
#define PLOT_W 900.0
#define TOP 56.0
#define LABEL_FONT 10.0

struct event { int32_t rank, kind; uint32_t name_id; int64_t start, end; };

struct tl_layout { double lh, x0, y0, w, h; int64_t t0, t1; const int32_t *ranks; size_t nranks; };

static const uint32_t kind_color[WPIO_EV_KIND_COUNT] = {
  0xDADAEB, 0x3182BD, 0x31A354, 0xE6550D, 0x9E9AC8, 0x756BB1, 0xFDAE6B, 0xD62728, 0x969696,
};

static int is_gpu(int kind) { return kind >= WPIO_EV_KERNEL && kind <= WPIO_EV_SYNC; }

static int event_cmp(const void *a, const void *b) {
  const struct event *x = a, *y = b;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  return (x->start > y->start) - (x->start < y->start);
}

/* The events to draw: /timeline, or the windows when it is empty. */
static struct event *collect(const struct wpio_job *job, size_t *n) {
  size_t k = job->timeline.n ? job->timeline.n : job->windows.n;
  struct event *e = malloc((k ? k : 1) * sizeof *e);
  if (!e) return NULL;
  for (size_t i = 0; i < k; i++) {
    if (job->timeline.n) {
      const struct wpio_timeline_row *t = &job->timeline.v[i];
      e[i] = (struct event){ t->rank, t->kind, t->name_id, t->start_ns, t->end_ns };
    } else {
      const struct wpio_window_row *w = &job->windows.v[i];
      e[i] = (struct event){ w->rank, WPIO_EV_WINDOW, UINT32_MAX, w->start_ns, w->end_ns };
    }
    if (e[i].kind < 0 || e[i].kind >= WPIO_EV_KIND_COUNT) e[i].kind = WPIO_EV_OTHER;
    if (e[i].end < e[i].start) e[i].end = e[i].start;
  }
  qsort(e, k, sizeof *e, event_cmp);
  *n = k;
  return e;
}

/* Distinct ranks of the events and /ranks, ascending, into a new array. */
static int32_t *lanes(const struct wpio_job *job, const struct event *e, size_t n, size_t *nl) {
  int32_t *r = malloc((n + job->ranks.n + 1) * sizeof *r);
  if (!r) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < job->ranks.n; i++) r[k++] = job->ranks.v[i].rank;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || e[i].rank != e[i - 1].rank) r[k++] = e[i].rank;
  for (size_t i = 1; i < k; i++) /* insertion sort: both inputs are already nearly sorted */
    for (size_t j = i; j > 0 && r[j - 1] > r[j]; j--) {
      int32_t t = r[j];
      r[j] = r[j - 1], r[j - 1] = t;
    }
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (u == 0 || r[u - 1] != r[i]) r[u++] = r[i];
  *nl = u;
  return r;
}

static size_t lane_of(const struct tl_layout *l, int32_t rank) {
  size_t lo = 0, hi = l->nranks;
  while (lo + 1 < hi) {
    size_t mid = (lo + hi) / 2;
    if (l->ranks[mid] <= rank) lo = mid;
    else hi = mid;
  }
  return lo;
}

static double px(const struct tl_layout *l, int64_t t) {
  double span = (double)(l->t1 - l->t0);
  return l->x0 + (span > 0 ? (double)(t - l->t0) / span * PLOT_W : 0);
}

/* Draws events e[i..j) (one rank, one kind, by start) merged while they touch at pixel scale. */
static void draw_run(struct wprof_draw *d, const struct wpio_job *job, const struct tl_layout *l,
                     const struct event *e, size_t i, size_t j) {
  size_t lane = lane_of(l, e[i].rank);
  int kind = e[i].kind;
  double y = l->y0 + l->lh * (double)lane, h = l->lh - (l->lh >= 6 ? 1 : 0);
  if (kind != WPIO_EV_WINDOW) h /= 2;
  if (is_gpu(kind)) y += h;
  char tip[600], t[32], s[32];
  while (i < j) {
    size_t k = i + 1;
    int64_t end = e[i].end;
    while (k < j && px(l, e[k].start) <= px(l, end) + 1) {
      if (e[k].end > end) end = e[k].end;
      k++;
    }
    const char *name = e[i].name_id < job->names.n ? job->names.s[e[i].name_id] : "window";
    if (k - i == 1)
      snprintf(tip, sizeof tip, "rank %d %s %s: at %s for %s", (int)e[i].rank, wpio_event_kind_name(kind),
               name, wprof_fmt_time(s, sizeof s, (double)(e[i].start - l->t0)),
               wprof_fmt_time(t, sizeof t, (double)(e[i].end - e[i].start)));
    else
      snprintf(tip, sizeof tip, "rank %d: %zu %s events from %s to %s", (int)e[i].rank, k - i,
               wpio_event_kind_name(kind), wprof_fmt_time(s, sizeof s, (double)(e[i].start - l->t0)),
               wprof_fmt_time(t, sizeof t, (double)(end - l->t0)));
    double x = px(l, e[i].start), w = px(l, end) - x;
    d->ops->rect(d, x, y, w < 1 ? 1 : w, h, kind_color[kind], "event", tip);
    i = k;
  }
}

static void lane_backgrounds(struct wprof_draw *d, const struct tl_layout *l) {
  size_t k = wprof_label_stride(l->lh, LABEL_FONT);
  char buf[32];
  for (size_t r = 0; r < l->nranks; r++) {
    double y = l->y0 + l->lh * (double)r;
    snprintf(buf, sizeof buf, "rank %d", (int)l->ranks[r]);
    d->ops->rect(d, l->x0, y, PLOT_W, l->lh, r % 2 ? 0xFFFFFF : 0xF6F6F6, "lane", buf);
    if (r % k) continue;
    snprintf(buf, sizeof buf, "%d", (int)l->ranks[r]);
    d->ops->text(d, l->x0 - 4, y + l->lh / 2 + LABEL_FONT * 0.35, LABEL_FONT, WPROF_ANCHOR_END, 0,
                 0x303030, "rank-label", buf, NULL);
  }
}

static void time_axis(struct wprof_draw *d, const struct tl_layout *l) {
  double y = l->y0 + l->lh * (double)l->nranks + 4;
  char t[32];
  double span = (double)(l->t1 - l->t0), step = wprof_nice_step(span, 6);
  for (double v = 0; span > 0 && v <= span * (1 + 1e-9); v += step) {
    double x = l->x0 + PLOT_W * v / span;
    d->ops->line(d, x, y, x, y + 4, 0x606060, 1);
    d->ops->text(d, x, y + 16, LABEL_FONT, WPROF_ANCHOR_MIDDLE, 0, 0x303030, "axis-label",
                 wprof_fmt_tick(t, sizeof t, v), NULL);
  }
}

static void kind_legend(struct wprof_draw *d, const struct tl_layout *l, const int *present) {
  double x = l->x0, y = l->y0 + l->lh * (double)l->nranks + 30;
  for (int k = 0; k < WPIO_EV_KIND_COUNT; k++) {
    if (!present[k]) continue;
    const char *name = wpio_event_kind_name(k);
    d->ops->rect(d, x, y, 12, 10, kind_color[k], "legend", name);
    d->ops->text(d, x + 16, y + 9, LABEL_FONT, WPROF_ANCHOR_START, 0, 0x303030, "legend-label", name,
                 NULL);
    x += 16 + wprof_text_width(name, LABEL_FONT) + 16;
  }
}

static void setup(struct tl_layout *l, const struct event *e, size_t n) {
  l->lh = LANES_PX / (double)(l->nranks ? l->nranks : 1);
  if (l->lh > LANE_MAX) l->lh = LANE_MAX;
  if (l->lh < 1) l->lh = 1;
  l->x0 = LEFT, l->y0 = TOP;
  l->w = LEFT + PLOT_W + 20;
  l->h = TOP + l->lh * (double)l->nranks + 50;
  l->t0 = n ? e[0].start : 0, l->t1 = n ? e[0].end : 1;
  for (size_t i = 0; i < n; i++) {
    if (e[i].start < l->t0) l->t0 = e[i].start;
    if (e[i].end > l->t1) l->t1 = e[i].end;
  }
}

int wprof_plot_timeline(struct wprof_draw *d, const struct wpio_job *job, const char *source) {
  size_t n = 0;
  struct event *e = collect(job, &n);
  struct tl_layout l = { 0 };
  int32_t *ranks = e ? lanes(job, e, n, &l.nranks) : NULL;
  if (!ranks) {
    free(e);
    snprintf(d->err, sizeof d->err, "out of memory");
    return -1;
  }
  l.ranks = ranks;
  setup(&l, e, n);
  char title[256], sub[1024];
  snprintf(title, sizeof title, "Timeline: %zu ranks, %s", l.nranks,
           job->timeline.n ? "events of /timeline (rank 0's clock)" : "windows only (no /timeline in the report)");
  snprintf(sub, sizeof sub, "%zu events; upper half: host, lower half: GPU; %s", n, source);
  int present[WPIO_EV_KIND_COUNT] = { 0 };
  if (d->ops->begin(d, l.w, l.h) == 0) {
    d->ops->rect(d, 0, 0, l.w, l.h, 0xFFFFFF, "background", NULL);
    wprof_plot_title(d, 10, title, sub);
    lane_backgrounds(d, &l);
    for (size_t i = 0, j; i < n; i = j) {
      for (j = i + 1; j < n && e[j].rank == e[i].rank && e[j].kind == e[i].kind;) j++;
      present[e[i].kind] = 1;
      draw_run(d, job, &l, e, i, j);
    }
    time_axis(d, &l);
    kind_legend(d, &l, present);
  }
  free(e);
  free(ranks);
  return d->failed ? -1 : 0;
}
