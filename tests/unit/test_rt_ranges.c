/* Ranges: nesting gives exact self/total relationships, calls are counted, rows are kept per
 * (window, name) and only while a window runs, threads merge, and overflow/underflow never crash.
 * GPU attribution: self/total CUDA time sums exactly along the launch's path, recursion counts once,
 * late records keep their window, adds from another thread race safely, start/end ranges follow docs/user-guide.md. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ranges.h"
#include "timer.h"
#include "wpio_job.h"
#include "wprof/wprof.h"
#include "wptest_check.h"

static struct wpio_job job;

static void recollect(void) {
  wpio_job_free(&job);
  wpio_job_init(&job);
  EXPECT(wpr_ranges_collect(&job, 7, 0) == 0, "collect");
}

static const struct wpio_range_row *row(int32_t window, const char *name) {
  uint32_t id = wpio_strtab_find(&job.names, name);
  const struct wpio_range_row *found = NULL;
  int n = 0;
  for (size_t i = 0; i < job.ranges.n; i++)
    if (job.ranges.v[i].window == window && job.ranges.v[i].name_id == id) {
      found = &job.ranges.v[i];
      n++;
    }
  EXPECT(n <= 1, "(%d, %s) appears %d times: rows must be merged", window, name, n);
  return found;
}

static void spin_ns(uint64_t ns) {
  uint64_t t0 = wpr_mono_ns();
  while (wpr_mono_ns() - t0 < ns) {
  }
}

static void check_window_gating(void) {
  wpr_ranges_set_window(-1);
  wprof_range_push("outside");
  wprof_range_pop();
  wpr_ranges_set_window(1);
  wprof_range_push("straddle"); /* the window is taken at push */
  wpr_ranges_set_window(-1);
  wprof_range_pop();
  wprof_range_push("straddle");
  wprof_range_pop();
  wpr_ranges_set_window(2);
  wpr_ranges_set_enabled(0);
  wprof_range_push("disabled");
  wprof_range_pop();
  wpr_ranges_set_enabled(1);
  wpr_ranges_set_window(-1);
  recollect();
  EXPECT(wpio_strtab_find(&job.names, "outside") == UINT32_MAX, "no row outside a window");
  EXPECT(wpio_strtab_find(&job.names, "disabled") == UINT32_MAX, "no row while disabled");
  const struct wpio_range_row *r = row(1, "straddle");
  EXPECT(r && r->calls == 1 && r->rank == 7, "straddle: one call in window 1");
}

/* A { B { C } } B, spun for known times, with clock_gettime read around every range: a range lasts at
 * least its spins and at most the clock interval around it (preemption widens both alike), and the
 * self/total relationships hold exactly. */
static void check_nesting(void) {
  char name_a[] = "A";
  uint64_t t[8];
  wpr_ranges_set_window(0);
  t[0] = wpr_mono_ns();
  wprof_range_push(name_a);
  name_a[0] = 'Z'; /* the caller's buffer may change after push: rows keep their own copy */
  spin_ns(1000000);
  t[1] = wpr_mono_ns();
  wprof_range_push("B");
  spin_ns(2000000);
  t[2] = wpr_mono_ns();
  wprof_range_push("C");
  spin_ns(1000000);
  wprof_range_pop();
  t[3] = wpr_mono_ns();
  wprof_range_pop();
  t[4] = wpr_mono_ns();
  t[5] = wpr_mono_ns();
  wprof_range_push("B");
  spin_ns(1000000);
  wprof_range_pop();
  t[6] = wpr_mono_ns();
  wprof_range_pop();
  t[7] = wpr_mono_ns();
  wpr_ranges_set_window(3); /* the same name in another window is another row */
  wprof_range_push("A");
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *a = row(0, "A"), *b = row(0, "B"), *c = row(0, "C"), *a3 = row(3, "A");
  EXPECT(a && b && c && a3 && wpio_strtab_find(&job.names, "Z") == UINT32_MAX, "rows present");
  if (!(a && b && c && a3)) return;
  EXPECT(a->calls == 1 && b->calls == 2 && c->calls == 1 && a3->calls == 1, "calls %llu %llu %llu",
         (unsigned long long)a->calls, (unsigned long long)b->calls, (unsigned long long)c->calls);
  EXPECT(a->cpu_self_ns == a->cpu_total_ns - b->cpu_total_ns, "self(A) = total(A) - total(B)");
  EXPECT(b->cpu_self_ns == b->cpu_total_ns - c->cpu_total_ns, "self(B) = total(B) - total(C)");
  EXPECT(c->cpu_self_ns == c->cpu_total_ns, "a leaf's self is its total");
  EXPECT(a->cpu_total_ns >= a->cpu_self_ns + b->cpu_total_ns, "total(A) >= self(A) + total(children)");
  EXPECT(c->cpu_total_ns >= 1000000 && c->cpu_total_ns <= t[3] - t[2], "total(C) %llu in [1 ms, %llu]",
         (unsigned long long)c->cpu_total_ns, (unsigned long long)(t[3] - t[2]));
  uint64_t b_clock = (t[4] - t[1]) + (t[6] - t[5]);
  EXPECT(b->cpu_total_ns >= 4000000 && b->cpu_total_ns <= b_clock, "total(B) %llu in [4 ms, %llu]",
         (unsigned long long)b->cpu_total_ns, (unsigned long long)b_clock);
  EXPECT(a->cpu_total_ns >= 5000000 && a->cpu_total_ns <= t[7] - t[0], "total(A) %llu in [5 ms, %llu]",
         (unsigned long long)a->cpu_total_ns, (unsigned long long)(t[7] - t[0]));
  EXPECT(a->cpu_self_ns >= 1000000 && b->cpu_self_ns >= 3000000, "self(A) %llu >= 1 ms, self(B) %llu >= 3 ms",
         (unsigned long long)a->cpu_self_ns, (unsigned long long)b->cpu_self_ns);
}

#define THREADS 8
#define THREAD_CALLS 2000

static void *thread_body(void *arg) {
  for (int i = 0; i < THREAD_CALLS; i++) {
    wprof_range_push("mt.outer");
    wprof_range_push("mt.inner");
    wprof_range_pop();
    wprof_range_pop();
  }
  return arg;
}

static void check_threads(void) {
  wpr_ranges_set_window(4);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, thread_body, NULL);
  for (int i = 0; i < 20; i++) recollect(); /* collect while the threads push and pop */
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *o = row(4, "mt.outer"), *in = row(4, "mt.inner");
  EXPECT(o && o->calls == THREADS * THREAD_CALLS, "outer calls merged over threads");
  EXPECT(in && in->calls == THREADS * THREAD_CALLS, "inner calls merged over threads");
  if (o && in) EXPECT(o->cpu_self_ns == o->cpu_total_ns - in->cpu_total_ns, "merged self/total");
}

static void check_overflow_underflow(void) {
  wpr_ranges_set_window(5);
  uint64_t before = wpr_ranges_overflows();
  for (int i = 0; i < 300; i++) wprof_range_push("deep");
  for (int i = 0; i < 300; i++) wprof_range_pop();
  EXPECT(wpr_ranges_overflows() - before == 300 - 256, "overflows counted: %llu",
         (unsigned long long)(wpr_ranges_overflows() - before));
  wprof_range_pop(); /* underflow: ignored */
  wprof_range_pop();
  wprof_range_push(NULL);
  wprof_range_pop();
  wprof_range_push("after");
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *d = row(5, "deep"), *after = row(5, "after");
  EXPECT(d && d->calls == 256, "the 256 kept frames are recorded: %llu", d ? (unsigned long long)d->calls : 0ull);
  EXPECT(after && after->calls == 1, "the stack is balanced after overflow and underflow");
}

/* ---- GPU attribution ---- */

#define U(x) ((unsigned long long)(x))

static void expect_cuda(int32_t window, const char *name, uint64_t self, uint64_t total) {
  const struct wpio_range_row *r = row(window, name);
  EXPECT(r && r->cuda_self_ns == self && r->cuda_total_ns == total, "(%d, %s): cuda self %llu total %llu, "
         "want %llu %llu", window, name, r ? U(r->cuda_self_ns) : 0, r ? U(r->cuda_total_ns) : 0, U(self), U(total));
}

static void check_gpu_nesting(void) {
  wpr_ranges_set_window(10);
  struct wpr_launch_ctx none = wpr_ranges_launch_ctx();
  wprof_range_push("gA");
  struct wpr_launch_ctx ca = wpr_ranges_launch_ctx();
  wprof_range_push("gB");
  struct wpr_launch_ctx cb = wpr_ranges_launch_ctx();
  wprof_range_push("gC");
  struct wpr_launch_ctx cc = wpr_ranges_launch_ctx();
  wprof_range_pop();
  wprof_range_pop();
  struct wpr_launch_ctx ca2 = wpr_ranges_launch_ctx(); /* back in A after B closed */
  wprof_range_pop();
  EXPECT(none.window == 10 && none.node == 0, "no range open: node 0");
  EXPECT(ca.window == 10 && ca.node && ca.node == ca2.node, "the same path gives the same node");
  wpr_ranges_add_gpu_time(none, 1000000); /* no range: credited to nothing */
  wpr_ranges_add_gpu_time(ca, 100);
  wpr_ranges_add_gpu_time(cb, 20);
  wpr_ranges_add_gpu_time(cc, 3);
  wpr_ranges_add_gpu_time(ca2, 400);
  wpr_ranges_set_window(-1);
  recollect();
  expect_cuda(10, "gA", 500, 523);
  expect_cuda(10, "gB", 20, 23);
  expect_cuda(10, "gC", 3, 3);
  const struct wpio_range_row *a = row(10, "gA");
  EXPECT(a && a->calls == 1, "CPU calls unchanged by GPU time");
}

static void check_gpu_recursion(void) {
  wpr_ranges_set_window(11);
  wprof_range_push("rec");
  wprof_range_push("rec");
  struct wpr_launch_ctx rr = wpr_ranges_launch_ctx();
  wprof_range_push("mid");
  wprof_range_push("rec");
  struct wpr_launch_ctx rmr = wpr_ranges_launch_ctx();
  wprof_range_pop();
  wprof_range_pop();
  wprof_range_pop();
  wprof_range_pop();
  wpr_ranges_add_gpu_time(rr, 7);
  wpr_ranges_add_gpu_time(rmr, 5);
  wpr_ranges_set_window(-1);
  recollect();
  expect_cuda(11, "rec", 12, 12); /* each launch once, however deep the recursion */
  expect_cuda(11, "mid", 0, 5);
}

/* A record arriving after the pop and after the window closed stays with the launch's window; an
 * enclosing range pushed before the window opened gets a GPU-only row there. */
static void check_gpu_late(void) {
  wpr_ranges_set_window(-1);
  wprof_range_push("before_window");
  wpr_ranges_set_window(12);
  wprof_range_push("late");
  struct wpr_launch_ctx c = wpr_ranges_launch_ctx();
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  struct wpr_launch_ctx outside = wpr_ranges_launch_ctx();
  wpr_ranges_set_window(13);
  wpr_ranges_add_gpu_time(c, 9);
  wpr_ranges_add_gpu_time(outside, 1000);
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  EXPECT(outside.window == -1, "no window at launch: window -1");
  expect_cuda(12, "late", 9, 9);
  expect_cuda(12, "before_window", 0, 9);
  const struct wpio_range_row *bw = row(12, "before_window");
  EXPECT(bw && bw->calls == 0 && bw->cpu_total_ns == 0, "GPU-only row: no calls");
  EXPECT(!row(13, "late") && !row(13, "before_window"), "nothing in the window the record arrived in");
}

#define ADDS 200000

static void *adder_body(void *arg) {
  const struct wpr_launch_ctx *c = arg;
  for (int i = 0; i < ADDS; i++) wpr_ranges_add_gpu_time(c[i & 1], 1);
  return NULL;
}

/* Another thread credits while this one keeps making new nodes and rows, and collect runs. */
static void check_gpu_concurrent(void) {
  wpr_ranges_set_window(14);
  struct wpr_launch_ctx c[2];
  wprof_range_push("cc.outer");
  c[0] = wpr_ranges_launch_ctx();
  wprof_range_push("cc.inner");
  c[1] = wpr_ranges_launch_ctx();
  wprof_range_pop();
  wprof_range_pop();
  pthread_t th;
  pthread_create(&th, NULL, adder_body, c);
  char name[32];
  for (int i = 0; i < 3000; i++) {
    snprintf(name, sizeof name, "cc.n%d", i);
    wprof_range_push("cc.outer");
    wprof_range_push(name);
    wpr_ranges_add_gpu_time(wpr_ranges_launch_ctx(), 1);
    wprof_range_pop();
    wprof_range_pop();
    if (i % 500 == 0) recollect();
  }
  pthread_join(th, NULL);
  wpr_ranges_set_window(-1);
  recollect();
  expect_cuda(14, "cc.outer", ADDS / 2, ADDS + 3000);
  expect_cuda(14, "cc.inner", ADDS / 2, ADDS / 2);
  expect_cuda(14, "cc.n2999", 1, 1);
}

struct ender { uint64_t id; struct wpr_launch_ctx ctx; };

static void *ender_body(void *arg) {
  struct ender *e = arg;
  e->ctx = wpr_ranges_launch_ctx(); /* a launch on another thread: not the start/end range's */
  wpr_ranges_end(e->id);
  return NULL;
}

static void check_start_end(void) {
  wpr_ranges_set_window(15);
  uint64_t id = wpr_ranges_start("se");
  EXPECT(id != 0, "start gives an id");
  wprof_range_push("se.p");
  struct wpr_launch_ctx in_both = wpr_ranges_launch_ctx();
  wprof_range_pop();
  struct wpr_launch_ctx in_se = wpr_ranges_launch_ctx();
  spin_ns(200000);
  wpr_ranges_end(id);
  wpr_ranges_end(id); /* twice: ignored */
  wpr_ranges_end(0);
  wpr_ranges_end(0xdeadbeefdeadbeefull);
  struct wpr_launch_ctx after = wpr_ranges_launch_ctx();
  wpr_ranges_add_gpu_time(in_both, 10);
  wpr_ranges_add_gpu_time(in_se, 100);
  wpr_ranges_add_gpu_time(after, 1000);

  /* the same name open both ways counts once per column */
  wprof_range_push("twice");
  uint64_t id2 = wpr_ranges_start("twice");
  wpr_ranges_add_gpu_time(wpr_ranges_launch_ctx(), 5);
  wpr_ranges_end(id2);
  wprof_range_pop();

  /* ended by another thread; that thread's launch is not the range's */
  struct ender e = {.id = wpr_ranges_start("se.x")};
  struct wpr_launch_ctx while_open = wpr_ranges_launch_ctx();
  pthread_t th;
  pthread_create(&th, NULL, ender_body, &e);
  pthread_join(th, NULL);
  struct wpr_launch_ctx after_x = wpr_ranges_launch_ctx();
  wpr_ranges_add_gpu_time(while_open, 30);
  wpr_ranges_add_gpu_time(e.ctx, 3000);
  wpr_ranges_add_gpu_time(after_x, 300);
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *se = row(15, "se"), *x = row(15, "se.x");
  EXPECT(se && se->calls == 1 && se->cpu_total_ns >= 200000 && se->cpu_self_ns == se->cpu_total_ns,
         "start/end: one call, self = total >= 0.2 ms");
  EXPECT(x && x->calls == 1, "ended on another thread: one call");
  expect_cuda(15, "se", 110, 110);
  expect_cuda(15, "se.p", 10, 10);
  expect_cuda(15, "twice", 5, 5);
  expect_cuda(15, "se.x", 30, 30);
}

/* A push finds its node by the caller's pointer first: a buffer rewritten with another name must still
 * be told apart by its text, a name copied into ever new buffers must still count as one, a name
 * under two parents shares its (window, name) row, and long names are kept whole. */
static void check_name_pointers(void) {
  static char copies[40000][8]; /* more distinct pointers than the pointer cache keeps */
  char buf[16], long_name[300];
  memset(long_name, 'L', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = 0;
  wpr_ranges_set_window(20);
  for (int i = 0; i < 6; i++) {
    snprintf(buf, sizeof buf, "np.%c", "ab"[i % 2]); /* one address, two texts, alternating */
    wprof_range_push(buf);
    wprof_range_pop();
  }
  for (int i = 0; i < 40000; i++) {
    memcpy(copies[i], "np.same", 8);
    wprof_range_push(copies[i]);
    wprof_range_pop();
  }
  wprof_range_push("np.p1");
  wprof_range_push("np.child");
  wprof_range_pop();
  wprof_range_pop();
  wprof_range_push("np.p2");
  wprof_range_push("np.child");
  wprof_range_pop();
  wprof_range_pop();
  wprof_range_push(long_name);
  wprof_range_pop();
  wpr_ranges_set_window(21); /* a new window: new rows, through the cached ones of window 20 */
  snprintf(buf, sizeof buf, "np.a");
  wprof_range_push(buf);
  wprof_range_pop();
  wpr_ranges_set_window(-1);
  recollect();
  const struct wpio_range_row *a = row(20, "np.a"), *b = row(20, "np.b"), *same = row(20, "np.same");
  const struct wpio_range_row *child = row(20, "np.child"), *lg = row(20, long_name), *a21 = row(21, "np.a");
  EXPECT(a && a->calls == 3 && b && b->calls == 3, "one buffer, two names: 3 calls each");
  EXPECT(same && same->calls == 40000, "a name in 40000 buffers: one row of 40000 calls");
  EXPECT(child && child->calls == 2, "a name under two parents: one row of 2 calls");
  EXPECT(lg && lg->calls == 1, "a 299-character name kept whole");
  EXPECT(a21 && a21->calls == 1 && row(21, "np.b") == NULL, "window 21: its own row of np.a only");
}

static void check_bad_ctx(void) {
  uint32_t ids[] = {1, 0xffffffffu, 1u << 20 | 0xfffff, 4095u << 20 | 1, 2u << 20};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    wpr_ranges_add_gpu_time((struct wpr_launch_ctx){.window = 16, .node = ids[i]}, 1);
  recollect();
  size_t n16 = 0;
  for (size_t i = 0; i < job.ranges.n; i++) n16 += job.ranges.v[i].window == 16;
  EXPECT(n16 == 0, "ids that name no node credit nothing");
}

int main(void) {
  wpio_job_init(&job);
  check_window_gating();
  check_nesting();
  check_threads();
  check_overflow_underflow();
  check_gpu_nesting();
  check_gpu_recursion();
  check_gpu_late();
  check_gpu_concurrent();
  check_start_end();
  check_name_pointers();
  check_bad_ctx();
  wpio_job_free(&job);
  printf("ranges: %d failures\n", wptest_failures());
  return wptest_failures() ? 1 : 0;
}
