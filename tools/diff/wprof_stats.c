/* Statistics for `wprof diff` (see wprof_stats.h). The incomplete beta function is the continued
 * fraction of Numerical Recipes (3rd ed., section 6.4, modified Lentz), with lgamma from libm. */
#include <float.h>
#include <math.h>

#include "wprof_stats.h"

void wprof_moments_add(struct wprof_moments *m, double n, double mean, double m2) {
  if (!(n > 0)) return;
  double total = m->n + n, delta = mean - m->mean;
  m->mean += delta * n / total;
  m->m2 += m2 + delta * delta * m->n * n / total;
  m->n = total;
}

double wprof_moments_var(const struct wprof_moments *m) {
  return m->n >= 2 ? m->m2 / (m->n - 1) : 0.0;
}

/* Continued fraction of I_x(a, b), converging fast for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x) {
  const double tiny = DBL_MIN / DBL_EPSILON;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; m++) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) <= DBL_EPSILON) break;
  }
  return h;
}

double wprof_stats_betai(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NAN;
  if (x == 0 || x == 1) return x;
  double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
  return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

double wprof_stats_t_two_sided(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (isinf(t)) return 0;
  /* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
  double x = df / (df + t * t);
  double p = wprof_stats_betai(df / 2, 0.5, x);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

struct wprof_welch wprof_welch_test(const struct wprof_welch_side *a, const struct wprof_welch_side *b) {
  struct wprof_welch w = { WPROF_WELCH_TOO_FEW, NAN, NAN, NAN };
  if (!(a->df >= 1) || !(b->df >= 1)) return w;
  w.verdict = WPROF_WELCH_TESTED;
  double diff = b->estimate - a->estimate, va = a->est_var > 0 ? a->est_var : 0,
         vb = b->est_var > 0 ? b->est_var : 0, v = va + vb;
  if (!(v > 0)) { /* both sides constant */
    w.t = diff == 0 ? 0 : diff > 0 ? INFINITY : -INFINITY;
    w.df = a->df + b->df;
    w.p = diff == 0 ? 1 : 0;
    return w;
  }
  w.t = diff / sqrt(v);
  w.df = v * v / (va * va / a->df + vb * vb / b->df);
  w.p = wprof_stats_t_two_sided(w.t, w.df);
  return w;
}
