/* Small statistics for `wprof diff`: running moments of grouped samples, the regularized incomplete
 * beta function, Student's t tail and Welch's unequal-variance t-test. Pure C, libm only. */
#ifndef WPROF_STATS_H
#define WPROF_STATS_H

/* Moments of a set of samples, built group by group (a group: n samples of known mean and sum of
 * squared deviations, e.g. one rank's calls of a kernel). */
struct wprof_moments {
  double n;     /* samples */
  double mean;
  double m2;    /* sum of squared deviations from the mean */
};

/* Adds a group of n samples with mean `mean` and sum of squared deviations `m2` (Chan et al.'s
 * pairwise update, exact for any split of the data into groups). n <= 0 is ignored. */
void wprof_moments_add(struct wprof_moments *m, double n, double mean, double m2);
/* Unbiased sample variance; 0 when n < 2. */
double wprof_moments_var(const struct wprof_moments *m);

/* Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1]; NaN otherwise. */
double wprof_stats_betai(double a, double b, double x);
/* Two-sided tail of Student's t with df > 0 degrees of freedom: P(|T| >= |t|). */
double wprof_stats_t_two_sided(double t, double df);

/* One side of Welch's test: an estimate, the variance of that estimate and its degrees of freedom
 * (n - 1 for the mean of n samples; a Satterthwaite value for a sum of groups' estimates). */
struct wprof_welch_side {
  double estimate;
  double est_var;
  double df;
};

enum wprof_welch_verdict {
  WPROF_WELCH_TESTED = 0,   /* t, df and p are set */
  WPROF_WELCH_TOO_FEW = 1,  /* df < 1 (n < 2) on a side: no test, p is NaN */
};

struct wprof_welch {
  enum wprof_welch_verdict verdict;
  double t, df, p;
};

/* Welch's t-test of B's estimate against A's. Zero variance on both sides gives p = 1 when the
 * estimates are equal and p = 0 when they differ (no noise can explain a difference). */
struct wprof_welch wprof_welch_test(const struct wprof_welch_side *a, const struct wprof_welch_side *b);

#endif
