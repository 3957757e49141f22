/* Benchmark: wprof's added wall time for a whole MPI job (init, 3 windows of 1000 lite scopes and 1000
 * ranges per rank, finalize with the gather and the HDF5 report) at np 2, 4 and 8: the same program
 * with wprof (finalize_app_wprof, its default settings) and without (finalize_app_plain), in turn,
 * PAIRS paired runs, median of the differences of rank 0's time from main to the end of MPI_Finalize.
 * A third run in each turn, with WPROF_LOG=debug, gives the phases below: the added time is wprof's as
 * a user runs it, and what the debug lines add is printed on its own. Targets: Darshan's
 * added time as measured by the authors (+5/+10/+20 ms at np 2/4/8; Darshan is not packaged
 * here to measure it in the same run), and half of that as the stretch target. Beside it: the added CPU
 * time per rank (user + sys of the whole job, mpiexec included, with minus without, over np), the added
 * wall time without PMPI_Init's own time (whose spread is most of the noise; wprof_init counted), and where
 * the time goes: every rank's phase line (runtime/base/phase_time.c, from the WPROF_LOG=debug run of
 * each turn) as a table of rank 0's and the other ranks' wall and CPU time per phase, and how
 * much of the added wall time rank 0's phases explain. Exits non-zero when a run fails or a rank does
 * not say its phases (the bench-smoke test runs it with 1 pair). It first says what a first touch of a
 * page and a file create + unlink cost on this machine now: the same machine measured 2-4x apart
 * on these across boots, and wprof's finalize is made of them.
 *   bench_finalize [pairs] [np]   (default 15 pairs at np 2, 4 and 8; np: one of them alone) */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define PAIRS 15

/* CPU time (user + sys) of the children waited for so far, in ms. */
static double children_cpu_ms(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return 0;
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* wprof's own phases, as each rank says them at the end of finalize under WPROF_LOG=debug:
 * "wprof[rank N]: debug: phases: init 1x 1.234/0.900 ms, sync 6x 0.210/0.100 ms, ..." (wall/CPU).
 * The names are runtime/base/phase_time.c's. Not added to the sum of what the job waits for: merge,
 * which runs inside gather (rank 0 merges each rank as it arrives), and, when rank 0 wrote the report
 * beside PMPI_Finalize (write_join: its wait for that thread after it), the phases of that thread. */
#define MAX_NP 8
enum { PH_N = 16 };
static const char *const ph_names[PH_N] = {"init", "sync", "spill", "spill_open", "stop_tables", "sync_final",
                                           "clock_final", "pack", "respill", "gather", "merge", "summaries",
                                           "write", "spill_remove", "teardown", "write_join"};
static const char *const ph_what[PH_N] = {
    "init (whole wprof_init in MPI_Init)", "sync points (start + end)", "spills of the stops",
    "open-window spills", "stop tables", "finalize: sync_final", "finalize: clock exchange", "finalize: pack",
    "finalize: spill rewrite", "finalize: gather (rank 0: recv + merge)", "  of which merge",
    "finalize: stragglers + summaries", "finalize: report write", "finalize: spill removal",
    "finalize: teardown + hand-over", "after PMPI_Finalize: wait for the write"};
enum { PH_MERGE = 10, PH_SUMMARIES = 11, PH_SPILL_REMOVE = 13, PH_WRITE_JOIN = 15 };
/* Overlapped with another phase: shown, not summed (deferred: rank 0's write ran beside PMPI_Finalize). */
static int ph_nested(int k, int deferred) {
  return k == PH_MERGE || (deferred && k >= PH_SUMMARIES && k <= PH_SPILL_REMOVE);
}

/* One wprof run's phases: [rank][phase] wall and CPU ms; seen[rank] when its line came. */
struct run_phases {
  double wall[MAX_NP][PH_N], cpu[MAX_NP][PH_N];
  int seen[MAX_NP];
};

static void parse_phase_line(const char *line, struct run_phases *ph) {
  int rank;
  const char *m = strstr(line, "wprof[rank ");
  if (!m || sscanf(m, "wprof[rank %d]", &rank) != 1 || rank < 0 || rank >= MAX_NP) return;
  m = strstr(m, "debug: phases: ");
  if (!m) return;
  m += strlen("debug: phases: ");
  ph->seen[rank] = 1;
  while (*m) {
    char name[32];
    unsigned long long n;
    double w, c;
    int used = 0;
    if (sscanf(m, "%31s %llux %lf/%lf ms%n", name, &n, &w, &c, &used) != 4 || used == 0) break;
    for (int k = 0; k < PH_N; k++)
      if (strcmp(name, ph_names[k]) == 0) ph->wall[rank][k] = w, ph->cpu[rank][k] = c;
    m += used;
    while (*m == ',' || *m == ' ') m++;
  }
}

/* One job; *ms its rank 0's time from main to the end of MPI_Finalize, *post_ms from the return of
 * MPI_Init to that end (the caller adds the turn's wprof_init, the "init" phase inside MPI_Init: wprof's
 * whole cost without PMPI_Init's own time, whose spread, tens of ms at np 4 and up, is most of the
 * noise of *ms). ph: wprof's phases (the run takes WPROF_LOG=debug from env, and its stderr is read
 * for them), NULL for a run whose output is not read. */
static int run_once(const char *app, const char *env, int np, double *ms, double *post_ms, double *cpu_ms,
                    struct run_phases *ph) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s %s %d %s %s %s", env, FINALIZE_MPIEXEC, FINALIZE_NP_FLAG, np,
           FINALIZE_MPIEXEC_FLAGS, app, ph ? "2>&1" : "2>/dev/null");
  if (ph) memset(ph, 0, sizeof *ph);
  double cpu0 = children_cpu_ms();
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[2048];
  int found = 0;
  while (fgets(line, sizeof line, p)) {
    unsigned long long ns, init;
    if (sscanf(line, "ELAPSED_NS %llu INIT_NS %llu", &ns, &init) == 2) {
      *ms = (double)ns / 1e6;
      *post_ms = (double)(ns - init) / 1e6;
      found = 1;
    }
    if (ph) parse_phase_line(line, ph);
  }
  int rc = pclose(p);
  *cpu_ms = children_cpu_ms() - cpu0;
  return rc == 0 && found ? 0 : -1;
}

/* The per-phase table at np over the wprof runs: rank 0's wall and CPU, the other ranks' median wall
 * (median over ranks in each run), the slowest other rank's wall, their median CPU; each a median
 * over the runs. Returns 0 when every rank said its phases in every run. */
static int phase_table(const struct run_phases *runs, int n, int np, double added_ms) {
  int complete = 1;
  for (int i = 0; i < n; i++)
    for (int r = 0; r < np; r++) complete &= runs[i].seen[r];
  double *v = malloc((size_t)n * sizeof *v), o[MAX_NP];
  if (!v) return -1;
  printf("np %d: wprof's phases (ms; medians of %d runs; CPU: the thread's; others: ranks 1..%d)\n", np, n, np - 1);
  printf("  %-42s %9s %9s %9s %9s %9s\n", "phase", "r0 wall", "r0 CPU", "oth wall", "oth max", "oth CPU");
  double sum_r0 = 0, sum_cpu0 = 0, sum_oth = 0;
  int deferred = 0; /* in most runs rank 0 wrote the report beside PMPI_Finalize */
  for (int i = 0; i < n; i++) deferred += runs[i].wall[0][PH_WRITE_JOIN] > 0 || runs[i].cpu[0][PH_WRITE_JOIN] > 0;
  deferred = 2 * deferred > n;
  for (int k = 0; k < PH_N; k++) {
    double col[5];
    for (int c = 0; c < 5; c++) {
      for (int i = 0; i < n; i++) {
        const struct run_phases *ph = &runs[i];
        if (c == 0) v[i] = ph->wall[0][k];
        else if (c == 1) v[i] = ph->cpu[0][k];
        else {
          int m = 0;
          double mx = 0;
          for (int r = 1; r < np; r++) {
            o[m++] = c == 4 ? ph->cpu[r][k] : ph->wall[r][k];
            if (ph->wall[r][k] > mx) mx = ph->wall[r][k];
          }
          v[i] = m == 0 ? 0 : c == 3 ? mx : bench_median(o, m);
        }
      }
      col[c] = bench_median(v, n);
    }
    int any = 0;
    for (int c = 0; c < 5; c++) any |= col[c] > 0;
    if (!any) continue;
    int nested = ph_nested(k, deferred);
    if (!nested) sum_r0 += col[0], sum_cpu0 += col[1], sum_oth += col[2];
    printf("  %-42s %9.3f %9.3f %9.3f %9.3f %9.3f%s\n", ph_what[k], col[0], col[1], col[2], col[3], col[4],
           nested && k != PH_MERGE ? "  (beside PMPI_Finalize)" : "");
    printf("BENCH finalize phase, np %d: %s%s (wall/CPU ms: rank 0; other ranks median, max wall)|%.3f/%.3f ms"
           "|%.3f (max %.3f)/%.3f ms|-|-|info\n", np, ph_what[k] + (k == PH_MERGE ? 2 : 0),
           nested && k != PH_MERGE ? " (beside PMPI_Finalize)" : "", col[0], col[1], col[2], col[3], col[4]);
  }
  printf("  %-42s %9.3f %9.3f %9.3f\n", "sum of phases the job waits for", sum_r0, sum_cpu0, sum_oth);
  printf("  rank 0's phases add up to %.1f ms of the %.1f ms added wall time (%.0f%%)\n", sum_r0, added_ms,
         added_ms > 0 ? 100 * sum_r0 / added_ms : 0);
  printf("BENCH finalize phases, np %d: sum of rank 0's phases vs the added wall time|%.1f ms|%.1f ms (added)|"
         "%.2f|-|info\n", np, sum_r0, added_ms, added_ms > 0 ? sum_r0 / added_ms : 0);
  free(v);
  if (!complete) printf("np %d: some rank did not say its phases (WPROF_LOG=debug)\n", np);
  return complete ? 0 : -1;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Median over 7 tries of the cost of one first touch of an anonymous page (2 MiB mapped fresh each
 * try) and of creating, writing 4 KiB to, closing and unlinking a file in `dir`. */
static void machine_state(const char *dir) {
  enum { TRIES = 7, PAGES = 512 };
  double page_us[TRIES], file_us[TRIES];
  static char block[4096];
  char path[512];
  long page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
  snprintf(path, sizeof path, "%s/probe", dir);
  for (int t = 0; t < TRIES; t++) {
    char *p = mmap(NULL, (size_t)PAGES * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      perror("bench_finalize: machine probe: mmap");
      return;
    }
    double t0 = now_us();
    for (int i = 0; i < PAGES; i++) p[(size_t)i * (size_t)page] = 1;
    page_us[t] = (now_us() - t0) / PAGES;
    munmap(p, (size_t)PAGES * (size_t)page);
    t0 = now_us();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
      perror("bench_finalize: machine probe: open");
      return;
    }
    ssize_t wrote = write(fd, block, sizeof block);
    close(fd);
    unlink(path);
    file_us[t] = wrote == (ssize_t)sizeof block ? now_us() - t0 : 0;
  }
  double pg = bench_median(page_us, TRIES), fl = bench_median(file_us, TRIES);
  printf("machine now: first touch of a page %.2f us, file create + 4 KiB write + unlink %.0f us\n", pg, fl);
  printf("BENCH machine state: first touch of a page|%.2f us|-|-|-|info\n", pg);
  printf("BENCH machine state: file create + 4 KiB write + close + unlink|%.0f us|-|-|-|info\n", fl);
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

int main(int argc, char **argv) {
  int pairs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : PAIRS;
  if (pairs < 1 || pairs > 1000) pairs = PAIRS;
  char dir[] = "/tmp/wprof-bench-fin-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char env[1024], env_debug[1100];
  snprintf(env, sizeof env, "WPROF_OUTPUT=%s/report.h5 WPROF_BACKEND=host WPROF_OVERWRITE=1", dir);
  snprintf(env_debug, sizeof env_debug, "%s WPROF_LOG=debug", env);
  static const int nps[] = {2, 4, 8};
  static const double darshan_ms[] = {5, 10, 20};
  int failed = 0;
  int only_np = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 0;
  machine_state(dir);
  for (int k = 0; k < 3; k++) {
    if (only_np && nps[k] != only_np) continue;
    double *added = malloc((size_t)pairs * sizeof *added), *base = malloc((size_t)pairs * sizeof *base);
    double *with = malloc((size_t)pairs * sizeof *with), *cpu = malloc((size_t)pairs * sizeof *cpu);
    double *added_post = malloc((size_t)pairs * sizeof *added_post);
    struct run_phases *ph = malloc((size_t)pairs * sizeof *ph);
    if (!added || !base || !with || !cpu || !ph || !added_post) return 1;
    double *logged = malloc((size_t)pairs * sizeof *logged);
    if (!logged) return 1;
    double w, b, d, wc, bc, dc, wp, bp, dp;
    run_once(FINALIZE_APP_WPROF, env, nps[k], &w, &wp, &wc, NULL); /* warm the page cache of both */
    run_once(FINALIZE_APP_PLAIN, "", nps[k], &b, &bp, &bc, NULL);
    for (int i = 0; i < pairs; i++) {
      /* the three runs in turn in each order, so drift on a shared machine hits them alike */
      int rc = 0;
      for (int r = 0; r < 3; r++) {
        switch ((i + r) % 3) {
        case 0: rc |= run_once(FINALIZE_APP_PLAIN, "", nps[k], &b, &bp, &bc, NULL); break;
        case 1: rc |= run_once(FINALIZE_APP_WPROF, env, nps[k], &w, &wp, &wc, NULL); break;
        default: rc |= run_once(FINALIZE_APP_WPROF, env_debug, nps[k], &d, &dp, &dc, &ph[i]); break;
        }
      }
      if (rc != 0) {
        fprintf(stderr, "bench_finalize: a run at np %d failed\n", nps[k]);
        failed = 1;
        break;
      }
      added[i] = w - b, base[i] = b, with[i] = w, cpu[i] = (wc - bc) / nps[k], logged[i] = d - w;
      added_post[i] = wp - bp + ph[i].wall[0][0]; /* ph_names[0]: init, inside MPI_Init */
    }
    if (failed) break;
    double a = bench_median(added, pairs), bm = bench_median(base, pairs), wm = bench_median(with, pairs);
    double cm = bench_median(cpu, pairs);
    double target = darshan_ms[k];
    const char *verdict = a <= target / 2 ? "PASS (stretch too)" : a <= target ? "PASS" : "FAIL";
    printf("np %d: median of %d pairs: with wprof %.1f ms, without %.1f ms, added %.1f ms\n", nps[k], pairs, wm, bm, a);
    printf("BENCH added wall time of a job, np %d%s (1000 scopes + 1000 ranges per rank, 3 windows, "
           "median of %d pairs)|%.1f ms|%.1f ms (same program without wprof)|%.3f|<= %.0f ms (Darshan's, "
           "from the issue; stretch %.1f ms)|%s\n",
           nps[k], nps[k] > sysconf(_SC_NPROCESSORS_ONLN) ? " (oversubscribed)" : "", pairs, a, bm, wm / bm, target,
           target / 2, verdict);
    printf("np %d: added CPU time (user + sys of the whole job, with minus without wprof, over np): %.1f ms "
           "per rank\n", nps[k], cm);
    printf("BENCH added CPU time per rank, np %d (median of %d pairs)|%.1f ms|-|-|-|info\n", nps[k], pairs, cm);
    double ap = bench_median(added_post, pairs);
    printf("np %d: added wall time without PMPI_Init's own time (from MPI_Init's return, plus wprof_init as the turn's debug run timed it): "
           "%.1f ms\n", nps[k], ap);
    printf("BENCH added wall time without PMPI_Init's spread, np %d (median of %d pairs)|%.1f ms|-|-|-|info\n",
           nps[k], pairs, ap);
    double lg = bench_median(logged, pairs);
    printf("np %d: what WPROF_LOG=debug adds on top (the runs the phases come from): %.1f ms\n", nps[k], lg);
    printf("BENCH added wall time of WPROF_LOG=debug, np %d (median of %d pairs)|%.1f ms|-|-|-|info\n", nps[k],
           pairs, lg);
    if (phase_table(ph, pairs, nps[k], a) != 0) failed = 1;
    free(logged);
    free(added);
    free(base);
    free(with);
    free(cpu);
    free(added_post);
    free(ph);
  }
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return failed;
}
