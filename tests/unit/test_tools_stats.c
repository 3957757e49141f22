/* tools/diff/wprof_stats.c against known values: the regularized incomplete beta function and Student's t
 * tail (reference values from mpmath 1.3.0 at 30 digits, betainc(a, b, 0, x, regularized=True); the
 * df = 1 and df = 2 tails also have closed forms), grouped moments against a direct computation, and
 * Welch's test on the first example of Wikipedia's "Welch's t-test" article (t = 2.46, df = 25.0,
 * p = 0.021; exact values from mpmath), plus the degenerate cases `wprof diff` relies on. */
#include <math.h>
#include <stdio.h>

#include "wprof_stats.h"

static int failures;

static void near(double got, double want, double rel, const char *what) {
  double err = fabs(got - want), tol = rel * fabs(want) + 1e-300;
  if (!(err <= tol)) {
    fprintf(stderr, "FAIL %s: got %.17g, want %.17g (rel err %.3g)\n", what, got, want, err / fabs(want));
    failures++;
  }
}

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL %s\n", what);
    failures++;
  }
}

static void test_betai(void) {
  static const struct { double a, b, x, want; } v[] = {
    { 0.5, 0.5, 0.3, 0.36901011956554538 },   { 2, 3, 0.4, 0.5248 },
    { 5, 0.5, 0.9, 0.31664291502001231 },     { 10, 10, 0.5, 0.5 },
    { 30, 0.5, 0.7, 4.0772109946605519e-6 },  { 0.5, 20, 0.01, 0.47136993548501556 },
    { 100, 200, 0.35, 0.73257146495754407 },  { 2.5, 0.5, 0.999, 0.94634234530818643 },
  };
  char what[96];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    snprintf(what, sizeof what, "I_%g(%g, %g)", v[i].x, v[i].a, v[i].b);
    near(wprof_stats_betai(v[i].a, v[i].b, v[i].x), v[i].want, 1e-12, what);
  }
  check(wprof_stats_betai(2, 3, 0) == 0 && wprof_stats_betai(2, 3, 1) == 1, "I at the ends");
  check(isnan(wprof_stats_betai(0, 1, 0.5)) && isnan(wprof_stats_betai(1, 1, 1.5)), "I outside its domain");
}

static void test_t(void) {
  static const struct { double t, df, want; } v[] = {
    { 2.228, 10, 0.050011771817111365 }, { 3.169, 10, 0.010004633364384852 }, /* t tables: 5 %, 1 % */
    { 5.0, 47.3, 8.30426109885663e-6 },  { 0.2, 30, 0.84283015705932465 },
    { 10.0, 4.5, 0.00030528057568339576 },
  };
  char what[96];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    snprintf(what, sizeof what, "p(|T| >= %g; df %g)", v[i].t, v[i].df);
    near(wprof_stats_t_two_sided(v[i].t, v[i].df), v[i].want, 1e-10, what);
    near(wprof_stats_t_two_sided(-v[i].t, v[i].df), v[i].want, 1e-10, "the tail is two-sided");
  }
  for (double t = 0.125; t < 100; t *= 2) { /* closed forms: Cauchy (df 1) and df 2 */
    near(wprof_stats_t_two_sided(t, 1), 1 - 2 * atan(t) / 3.14159265358979323846, 1e-12, "df 1: 1 - 2 atan(t) / pi");
    near(wprof_stats_t_two_sided(t, 2), 1 - t / sqrt(2 + t * t), 1e-12, "df 2: 1 - t / sqrt(2 + t^2)");
  }
  check(wprof_stats_t_two_sided(0, 7) == 1, "t = 0: p = 1");
  check(wprof_stats_t_two_sided(INFINITY, 7) == 0, "t = inf: p = 0");
}

/* Grouped moments equal the moments of all samples at once, whatever the grouping. */
static void test_moments(void) {
  static const double x[] = { 3, 7, 7, 19, 24, 1, 0.5, 11, 11, 11, 42, 8 };
  const size_t n = sizeof x / sizeof x[0];
  double sum = 0, ss = 0;
  for (size_t i = 0; i < n; i++) sum += x[i];
  for (size_t i = 0; i < n; i++) ss += (x[i] - sum / n) * (x[i] - sum / n);
  for (size_t split = 1; split < n; split++) {
    struct wprof_moments all = { 0 }, g = { 0 }, h = { 0 };
    for (size_t i = 0; i < split; i++) wprof_moments_add(&g, 1, x[i], 0);
    for (size_t i = split; i < n; i++) wprof_moments_add(&h, 1, x[i], 0);
    wprof_moments_add(&all, g.n, g.mean, g.m2);
    wprof_moments_add(&all, h.n, h.mean, h.m2);
    near(all.n, (double)n, 0, "grouped n");
    near(all.mean, sum / n, 1e-14, "grouped mean");
    near(wprof_moments_var(&all), ss / (n - 1), 1e-13, "grouped variance");
  }
  struct wprof_moments one = { 0 };
  wprof_moments_add(&one, 1, 5, 0);
  wprof_moments_add(&one, 0, 99, 0);
  check(one.n == 1 && one.mean == 5 && wprof_moments_var(&one) == 0, "one sample: variance 0, empty group ignored");
}

static struct wprof_welch_side side_of(const double *x, size_t n) {
  struct wprof_moments m = { 0 };
  for (size_t i = 0; i < n; i++) wprof_moments_add(&m, 1, x[i], 0);
  return (struct wprof_welch_side){ m.mean, wprof_moments_var(&m) / m.n, m.n - 1 };
}

static void test_welch(void) {
  static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
  static const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
  struct wprof_welch_side sa = side_of(a1, 15), sb = side_of(a2, 15);
  struct wprof_welch w = wprof_welch_test(&sa, &sb);
  check(w.verdict == WPROF_WELCH_TESTED, "Welch example tested");
  near(w.t, 2.4553563982860051, 1e-12, "Welch example t");
  near(w.df, 24.988529290231414, 1e-12, "Welch example df");
  near(w.p, 0.021378001462867032, 1e-10, "Welch example p");
  struct wprof_welch back = wprof_welch_test(&sb, &sa);
  near(back.t, -w.t, 1e-15, "swapped sides: t changes sign");
  near(back.p, w.p, 1e-15, "swapped sides: same p");

  struct wprof_welch_side c1 = { 10, 0, 3 }, c2 = { 10, 0, 39 }, c3 = { 30, 0, 3 }, one = { 30, 5, 0 };
  w = wprof_welch_test(&c1, &c2);
  check(w.verdict == WPROF_WELCH_TESTED && w.p == 1, "equal constants: p = 1");
  w = wprof_welch_test(&c1, &c3);
  check(w.verdict == WPROF_WELCH_TESTED && w.p == 0, "different constants: p = 0");
  w = wprof_welch_test(&c1, &one);
  check(w.verdict == WPROF_WELCH_TOO_FEW && isnan(w.p), "n < 2 (df 0): not tested");
  struct wprof_welch_side noisy = { 31, 400, 39 };
  w = wprof_welch_test(&c1, &noisy); /* one side constant: df from the other side alone */
  near(w.df, 39, 1e-12, "one constant side: df = n - 1 of the other");
  near(w.t, 21 / 20.0, 1e-12, "one constant side: t");
}

int main(void) {
  test_betai();
  test_t();
  test_moments();
  test_welch();
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("stats: all checks passed\n");
  return failures ? 1 : 0;
}
