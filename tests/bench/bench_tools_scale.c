/* Benchmark: `wprof report` and `wprof doctor` on a 4096-rank report (8.6 M rows, bench_scale's
 * synthetic ranks, written through the real finalize path, plus each rank's /breakdown, /stragglers
 * and /launch_latency rows), wall time of each command as a user runs it, and its peak RSS. Target:
 * <= 5 s each. The generator is bench_scale.c's own (included below with its main renamed), so both
 * benchmarks measure the same report.
 *   bench_tools_scale [--wprof PATH] [RANKS]   full size (default 4096; ./run.sh bench)
 *   bench_tools_scale [--wprof PATH] --smoke    64 ranks: both commands exit 0, doctor says only info (ctest)
 * The wprof command defaults to the one beside this program (build/bin/wprof); --keep PATH also
 * leaves the report there, to try other commands on it. */
#define main bench_scale_main
#include "bench_scale.c"
#undef main

#define TOOLS_TARGET_S 5.0
#define LATENCY_NAMES 20 /* kernels with a /launch_latency row per rank */

/* What `--breakdown` and `--stragglers` show, for every rank of bench_scale's one window: a
 * /breakdown row, a /stragglers row and LATENCY_NAMES /launch_latency rows (bench_scale's ranks have
 * none: these views would time an empty table). */
static int add_analysis_rows(struct wpio_job *job) {
  size_t nwin = job->windows.n;
  for (size_t i = 0; i < nwin; i++) {
    const struct wpio_window_row w = job->windows.v[i];
    int rank = w.rank;
    int64_t len = w.end_ns - w.start_ns, compute = len / 2, comm = len / 5, memory = len / 20;
    int64_t overlap = comm / 3 + (int64_t)val(rank, 0, 10, 0, 1000), busy = compute + comm + memory - overlap;
    int64_t mpi = len / 10 + (int64_t)val(rank, 0, 11, 0, 1000);
    struct wpio_breakdown_row *b = WPIO_VEC_PUSH(job->breakdown);
    struct wpio_straggler_row *st = WPIO_VEC_PUSH(job->stragglers);
    if (!b || !st) return -1;
    *b = (struct wpio_breakdown_row){rank, w.window, len, busy, compute, memory, comm, len - busy, overlap,
                                     (double)overlap / (double)comm, mpi, len - mpi};
    uint64_t last = val(rank, 0, 12, 0, 20);
    *st = (struct wpio_straggler_row){rank, w.window, 100, last, last * val(rank, 0, 13, 1000, 9000),
                                      val(rank, 0, 14, 10000, 90000), 50000, val(rank, 0, 15, 1000, 9000), 0};
    for (int k = 0; k < LATENCY_NAMES; k++) {
      struct wpio_launch_latency_row *l = WPIO_VEC_PUSH(job->launch_latency);
      uint32_t id = name_id(job, "kernel_%04d", k);
      if (!l || id == UINT32_MAX) return -1;
      uint64_t p50 = val(rank, k, 16, 4000, 2000);
      *l = (struct wpio_launch_latency_row){rank, w.window, id, 100, p50, p50 + val(rank, k, 17, 1000, 90000)};
    }
  }
  return 0;
}

/* Writes a report of `ranks` bench_scale ranks to path, through pack -> assemble -> summarize -> write. */
static int write_scale_report(int ranks, const char *path) {
  uint8_t **bufs = calloc((size_t)ranks, sizeof *bufs);
  size_t *lens = calloc((size_t)ranks, sizeof *lens);
  int rc = bufs && lens ? 0 : -1;
  for (int r = 0; r < ranks && rc == 0; r++) rc = pack_rank(r, ranks, &bufs[r], &lens[r], NULL);
  struct wpio_job job;
  wpio_job_init(&job);
  char err[512] = "";
  if (rc == 0) {
    wpr_report_assemble(&job, bufs, lens, ranks);
    rc = add_analysis_rows(&job) == 0 && wpio_job_summarize(&job) == 0 &&
                 wpio_h5_write_report(&job, path, WPIO_H5_OVERWRITE, err, sizeof err) == 0
             ? 0
             : -1;
    if (rc) fprintf(stderr, "bench_tools_scale: cannot write %s: %s\n", path, err);
  }
  wpio_job_free(&job);
  for (int r = 0; bufs && r < ranks; r++) free(bufs[r]);
  free(bufs);
  free(lens);
  return rc;
}

/* Runs `wprof CMD PATH [ARG]` with stdout into out_path; its exit status, wall and CPU seconds (user +
 * system, of the command and the reader child it forks) and peak RSS. */
static int time_command(const char *wprof, const char *cmd, const char *path, const char *arg, const char *out_path,
                        double *wall_s, double *cpu_s, long *rss_kb) {
  fflush(stdout); /* the child's freopen must not write our buffered lines again */
  uint64_t t0 = bench_now_ns();
  pid_t pid = fork();
  if (pid == 0) {
    FILE *o = freopen(out_path, "w", stdout);
    (void)o;
    execl(wprof, wprof, cmd, path, arg, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return -1;
  *wall_s = secs(t0, bench_now_ns());
  /* wait4's usage covers the command and the reader child it waited for (`wprof report` reads in one) */
  *cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
  *rss_kb = ru.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Every line of the doctor's output is info (a clean report). */
static int only_info(const char *out_path) {
  FILE *f = fopen(out_path, "r");
  char line[4096];
  int lines = 0, ok = f != NULL;
  while (f && fgets(line, sizeof line, f)) {
    lines++;
    if (strncmp(line, "info: ", 6) != 0) {
      fprintf(stderr, "bench_tools_scale: doctor says: %s", line);
      ok = 0;
    }
  }
  if (f) fclose(f);
  return ok && lines > 0;
}

int main(int argc, char **argv) {
  static char wprof[4096];
  ssize_t n = readlink("/proc/self/exe", wprof, sizeof wprof - 16);
  char *slash = n > 0 ? (wprof[n] = '\0', strrchr(wprof, '/')) : NULL;
  if (slash) strcpy(slash + 1, "wprof");
  int smoke = 0, ranks = 4096;
  const char *keep = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) smoke = 1, ranks = 64;
    else if (strcmp(argv[i], "--wprof") == 0 && i + 1 < argc) snprintf(wprof, sizeof wprof, "%s", argv[++i]);
    else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc) keep = argv[++i];
    else ranks = (int)strtol(argv[i], NULL, 10);
  }
  if (ranks < 2) ranks = 2;
  char dir[] = "/tmp/wprof-bench-tools-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  char path[256], out[256];
  snprintf(path, sizeof path, "%s/report.h5", dir);
  snprintf(out, sizeof out, "%s/out.txt", dir);
  int rc = write_scale_report(ranks, path) == 0 ? 0 : 1;
  static const char *const cmds[][2] = {{"report", NULL}, {"report", "--breakdown"}, {"report", "--stragglers"},
                                        {"doctor", NULL}};
  for (size_t i = 0; rc == 0 && i < sizeof cmds / sizeof cmds[0]; i++) {
    double wall = 0, cpu = 0;
    long rss = 0;
    int st = time_command(wprof, cmds[i][0], path, cmds[i][1], out, &wall, &cpu, &rss);
    if (st != 0 || (strcmp(cmds[i][0], "doctor") == 0 && !only_info(out))) {
      fprintf(stderr, "bench_tools_scale: wprof %s exited %d\n", cmds[i][0], st);
      rc = 1;
      break;
    }
    /* CPU time is the figure: wall time on a shared machine measures the other jobs too */
    printf("BENCH wprof %s%s%s, %d ranks (%.1f M rows incl. /lite_hist; CPU time; wall %.2f s, peak RSS %.0f MB)|"
           "%.2f s|-|-|<= %.0f s|%s\n", cmds[i][0], cmds[i][1] ? " " : "", cmds[i][1] ? cmds[i][1] : "", ranks,
           ranks * (double)(KERNELS + RANGES + LITES + LITES * HIST_PER_LITE + 1) / 1e6, wall, rss / 1024.0, cpu,
           TOOLS_TARGET_S, smoke || cpu <= TOOLS_TARGET_S ? "PASS" : "FAIL");
  }
  if (keep && rc == 0 && rename(path, keep) != 0) perror(keep);
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return rc;
}
