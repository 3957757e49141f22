/* Benchmark: rank 0's report path at scale without a cluster. Synthetic per-rank tables (default
 * 4096 ranks x (1000 kernels + 1000 ranges + 100 lite scopes), 8.6 M rows) go through the real path:
 * each rank's job is packed (wire), then rank 0's decode + merge (wpr_report_assemble, the finalize
 * code itself), summaries (wpio_job_summarize) and the HDF5 writer (wpio_h5_write_report). Baseline,
 * measured in the same run: the same rows written uncompressed with one H5Dwrite per table.
 * Each size runs in a child process so its peak RSS (ru_maxrss) is its own; the peak RSS per row at
 * the full size against an 8x smaller one shows rank 0's memory grows linearly, not quadratically.
 *   bench_scale              full size (./run.sh bench)
 *   bench_scale --smoke      64 ranks, checks the report reads back with every row (ctest)
 *   bench_scale N --keep     N ranks (and N/8), the reports kept in /tmp/wprof-bench-scale-* */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "wprof/wprof.h"
#include "h5_types.h"
#include "config.h"
#include "report_merge.h"
#include "session.h"
#include "wpio_h5.h"
#include "wpio_job.h"
#include "wpio_wire.h"

#define KERNELS 1000
#define RANGES 1000
#define LITES 100
#define HIST_PER_LITE 3
#define TARGET_S 6.0
#define TARGET_BYTES_PER_ROW 20.0
#define TARGET_RSS_GROWTH 1.5
#define SMOKE_STREAM_BYTES ((uint64_t)256 << 10) /* a few parts at 64 ranks */

static uint64_t mix(uint64_t x) { /* splitmix64: deterministic pseudo-random values */
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t val(int rank, int i, int salt, uint64_t lo, uint64_t span) {
  return lo + mix(((uint64_t)rank << 32) ^ ((uint64_t)i << 8) ^ (uint64_t)salt) % span;
}

static uint32_t name_id(struct wpio_job *j, const char *fmt, int i) {
  char name[64];
  snprintf(name, sizeof name, fmt, i);
  return wpio_strtab_intern(&j->names, name, sizeof name);
}

/* One rank's tables, as its finalize would pack them. */
static int make_rank(int rank, int world, struct wpio_job *j) {
  char host[32];
  snprintf(host, sizeof host, "node%04d", rank / 8);
  struct wpio_rank_row *r = WPIO_VEC_PUSH(j->ranks);
  if (!r) return -1;
  *r = (struct wpio_rank_row){.rank = rank, .hostname = strdup(host), .status = strdup(WPIO_STATUS_OK),
                              .pid = 1000 + rank, .device = rank % 4, .collected = 1};
  if (wpio_job_set_attr_int(j, "world_size", world) || wpio_job_set_attr(j, "sync", "ok")) return -1;
  struct wpio_window_row *w = WPIO_VEC_PUSH(j->windows);
  if (!w) return -1;
  *w = (struct wpio_window_row){rank, 0, 1000, 1000 + (int64_t)val(rank, 0, 9, 1000000, 1000), 10, 0};
  if (WPIO_VEC_RESERVE(j->kernels, KERNELS) || WPIO_VEC_RESERVE(j->ranges, RANGES) ||
      WPIO_VEC_RESERVE(j->lite, LITES) || WPIO_VEC_RESERVE(j->lite_hist, LITES * HIST_PER_LITE))
    return -1;
  for (int i = 0; i < KERNELS; i++) {
    uint64_t calls = val(rank, i, 1, 1, 100), mn = val(rank, i, 2, 1000, 5000);
    j->kernels.v[j->kernels.n++] = (struct wpio_kernel_row){
      .rank = rank, .window = 0, .name_id = name_id(j, "kernel_%04d", i),
      .kind = i % 3 ? WPIO_KIND_KERNEL : WPIO_KIND_MEMCPY, .calls = calls,
      .total_ns = calls * (mn + val(rank, i, 3, 0, 2000)), .min_ns = mn, .max_ns = mn + val(rank, i, 4, 2000, 8000),
      .bytes = i % 3 ? 0 : calls * 4096, .graph_id = -1};
  }
  for (int i = 0; i < RANGES; i++) {
    uint64_t calls = val(rank, i, 5, 1, 50), total = calls * val(rank, i, 6, 10000, 90000);
    j->ranges.v[j->ranges.n++] = (struct wpio_range_row){
      .rank = rank, .window = 0, .name_id = name_id(j, "range_%04d", i), .calls = calls, .cpu_total_ns = total,
      .cpu_self_ns = total / 2, .cuda_self_ns = total / 4, .cuda_total_ns = total / 3};
  }
  for (int i = 0; i < LITES; i++) {
    uint32_t id = name_id(j, "lite_%03d", LITES - 1 - i); /* ids and names in opposite orders */
    uint64_t calls = val(rank, i, 7, 100, 1000), mn = val(rank, i, 8, 50, 100);
    j->lite.v[j->lite.n++] = (struct wpio_lite_row){.rank = rank, .name_id = id, .calls = calls,
                                                    .total_ns = calls * (mn + 30), .min_ns = mn, .max_ns = mn + 200};
    for (uint32_t b = 0; b < HIST_PER_LITE; b++)
      j->lite_hist.v[j->lite_hist.n++] = (struct wpio_hist_row){
        .rank = rank, .name_id = id, .bucket = 20 + 2 * b + (uint32_t)(i % 2),
        .count = calls / HIST_PER_LITE + (b == 0 ? calls % HIST_PER_LITE : 0)};
  }
  return 0;
}

static double secs(uint64_t t0, uint64_t t1) { return (double)(t1 - t0) / 1e9; }

/* CPU time of this process (user + system): the machine the benchmark runs on may be shared, and
 * the target is for one core; wall time is printed beside it. */
static uint64_t cpu_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static long file_bytes(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- baseline: one uncompressed contiguous H5Dwrite per table ---- */

static int raw_table(hid_t f, enum h5s_table_id id, const void *rows, size_t n) {
  const struct h5s_table *t = h5s_table(id);
  hid_t ft = h5s_file_type(t), mt = h5s_mem_type(t);
  hsize_t dims = n;
  hid_t sp = H5Screate_simple(1, &dims, NULL);
  hid_t d = H5Dcreate2(f, t->path, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = d >= 0 && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0 ? 0 : -1;
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(ft);
  H5Tclose(mt);
  return rc;
}

static int raw_write(const struct wpio_job *j, const char *path) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) return -1;
  struct h5s_hist_mem *h = malloc((j->lite_hist.n ? j->lite_hist.n : 1) * sizeof *h);
  if (!h) return -1;
  for (size_t i = 0; i < j->lite_hist.n; i++) {
    const struct wpio_hist_row *r = &j->lite_hist.v[i];
    h[i] = (struct h5s_hist_mem){r->rank, r->name_id, r->bucket, 0, 0, r->count};
  }
  hid_t st = h5s_string_type();
  hsize_t nn = j->names.n;
  hid_t sp = H5Screate_simple(1, &nn, NULL);
  hid_t d = H5Dcreate2(f, H5S_NAMES_PATH, st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int rc = d >= 0 && H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, j->names.s) >= 0 ? 0 : -1;
  H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(st);
  if (rc == 0) rc = raw_table(f, H5S_WINDOWS, j->windows.v, j->windows.n);
  if (rc == 0) rc = raw_table(f, H5S_KERNELS, j->kernels.v, j->kernels.n);
  if (rc == 0) rc = raw_table(f, H5S_RANGES, j->ranges.v, j->ranges.n);
  if (rc == 0) rc = raw_table(f, H5S_LITE, j->lite.v, j->lite.n);
  if (rc == 0) rc = raw_table(f, H5S_LITE_HIST, h, j->lite_hist.n);
  free(h);
  if (H5Fclose(f) < 0) rc = -1;
  return rc;
}

/* ---- one size, in a child process ---- */

struct result {
  int ok, parts;
  size_t rows;
  double pack_s, merge_s, sum_s, write_s, raw_s; /* CPU seconds */
  double path_wall_s, raw_wall_s;
  long file_bytes, raw_bytes, rss_kb;
};

static size_t job_rows(const struct wpio_job *j) {
  return j->ranks.n + j->windows.n + j->kernels.n + j->ranges.n + j->lite.n + j->lite_hist.n + j->mpi.n +
         j->timeline.n + j->sum_kernels.n + j->sum_ranges.n + j->sum_lite.n + j->sum_mpi.n;
}

/* The report reads back with every row (smoke check). */
static int check_readback(const char *path, const struct wpio_job *j) {
  struct wpio_job back;
  wpio_job_init(&back);
  char err[256];
  int rc = wpio_h5_read_report(path, &back, err, sizeof err);
  if (rc != 0) fprintf(stderr, "bench_scale: cannot read back %s: %s\n", path, err);
  else if (job_rows(&back) != job_rows(j) || back.names.n != j->names.n) {
    fprintf(stderr, "bench_scale: read back %zu rows, wrote %zu\n", job_rows(&back), job_rows(j));
    rc = -1;
  }
  wpio_job_free(&back);
  return rc;
}

/* Rank `rank`'s tables packed as its finalize would send them; *rows (when given) grows by its rows. */
static int pack_rank(int rank, int world, uint8_t **buf, size_t *len, size_t *rows) {
  struct wpio_job mine;
  wpio_job_init(&mine);
  int rc = make_rank(rank, world, &mine) == 0 && wpio_encode(&mine, buf, len) == 0 ? 0 : -1;
  if (rows) *rows += job_rows(&mine);
  wpio_job_free(&mine);
  return rc;
}

static int run_size(int ranks, const char *dir, int smoke, struct result *res) {
  uint8_t **bufs = calloc((size_t)ranks, sizeof *bufs);
  size_t *lens = calloc((size_t)ranks, sizeof *lens);
  if (!bufs || !lens) return -1;
  uint64_t t0 = cpu_now_ns();
  for (int r = 0; r < ranks; r++) /* what each rank does on its own in parallel */
    if (pack_rank(r, ranks, &bufs[r], &lens[r], NULL) != 0) return -1;
  uint64_t t1 = cpu_now_ns(), w1 = bench_now_ns();
  struct wpio_job job;
  wpio_job_init(&job);
  wpr_report_assemble(&job, bufs, lens, ranks); /* rank 0: decode, validate, merge */
  uint64_t t2 = cpu_now_ns();
  for (int r = 0; r < ranks; r++) free(bufs[r]);
  free(bufs);
  free(lens);
  if (wpio_job_set_attr(&job, "command", "bench_scale") || wpio_job_summarize(&job)) return -1;
  uint64_t t3 = cpu_now_ns();
  char path[512], raw[512], err[512];
  snprintf(path, sizeof path, "%s/report-%d.h5", dir, ranks);
  snprintf(raw, sizeof raw, "%s/raw-%d.h5", dir, ranks);
  if (wpio_h5_write_report(&job, path, WPIO_H5_OVERWRITE, err, sizeof err) != 0) {
    fprintf(stderr, "bench_scale: %s\n", err);
    return -1;
  }
  uint64_t t4 = cpu_now_ns(), w4 = bench_now_ns();
  res->rss_kb = peak_rss_kb(); /* before the baseline, which is not rank 0's path */
  if (raw_write(&job, raw) != 0) return -1;
  uint64_t t5 = cpu_now_ns(), w5 = bench_now_ns();
  *res = (struct result){1, 0, job_rows(&job), secs(t0, t1), secs(t1, t2), secs(t2, t3), secs(t3, t4),
                         secs(t4, t5), secs(w1, w4), secs(w4, w5), file_bytes(path), file_bytes(raw),
                         res->rss_kb};
  if (smoke && check_readback(path, &job) != 0) res->ok = 0;
  wpio_job_free(&job);
  return res->ok ? 0 : -1;
}

static uint64_t stream_bytes; /* the bound of run_child's streamed runs */

/* Rank 0's path with its merged rows bounded (WPROF_GATHER_MAX_MB): each rank's data packed as it
 * would arrive and merged through the finalize merger, which streams the rows to the report past
 * stream_bytes. Peak RSS then stays near the bound whatever the ranks. CPU time of the merging and
 * writing only (each rank's pack is subtracted). */
static int run_streamed(int ranks, const char *dir, struct result *res) {
  char path[512];
  snprintf(path, sizeof path, "%s/streamed-%d.h5", dir, ranks);
  struct wpio_job job;
  wpio_job_init(&job);
  struct wpr_merger m;
  wpr_merger_init(&m, &job, path, WPIO_H5_OVERWRITE, stream_bytes);
  uint64_t pack = 0, t0 = cpu_now_ns(), w0 = bench_now_ns();
  int rc = 0;
  for (int r = 0; r < ranks && rc == 0; r++) {
    uint64_t p0 = cpu_now_ns();
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = pack_rank(r, ranks, &buf, &len, &res->rows);
    pack += cpu_now_ns() - p0;
    if (rc == 0) wpr_merger_add(&m, r, buf, len);
    free(buf);
  }
  if (rc == 0)
    rc = wpio_job_set_attr(&job, "command", "bench_scale") == 0 && wpr_merger_write(&m) == WPROF_OK ? 0 : -1;
  uint64_t t1 = cpu_now_ns(), w1 = bench_now_ns();
  res->parts = m.parts + 1; /* and the last, at the close */
  res->ok = rc == 0;
  res->rows += job.sum_kernels.n + job.sum_ranges.n + job.sum_lite.n + job.sum_mpi.n;
  res->merge_s = secs(t0, t1) - (double)pack / 1e9;
  res->path_wall_s = secs(w0, w1);
  res->pack_s = (double)pack / 1e9;
  res->file_bytes = file_bytes(path);
  res->rss_kb = peak_rss_kb();
  wpr_merger_free(&m);
  wpio_job_free(&job);
  return res->ok ? 0 : -1;
}

/* A size run in a child process, so its peak RSS is its own: the report path (mode 0, or 1 with the
 * read-back check), or the streamed one (2). */
static int run_child(int ranks, const char *dir, int mode, struct result *res) {
  int fd[2];
  if (pipe(fd) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    struct result r = {0};
    if ((mode == 2 ? run_streamed(ranks, dir, &r) : run_size(ranks, dir, mode == 1, &r)) != 0) r.ok = 0;
    ssize_t w = write(fd[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r && r.ok ? 0 : 1);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], res, sizeof *res);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == (ssize_t)sizeof *res && res->ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void print_streamed(int ranks, const struct result *r) {
  printf("%d ranks, %zu rows streamed past %.2f MB in %d parts (CPU s): pack on the ranks %.2f; rank 0: "
         "decode+merge+summaries+HDF5 write %.2f (file %.1f MB), wall %.2f; peak RSS %.0f MB\n",
         ranks, r->rows, (double)stream_bytes / 1048576.0, r->parts, r->pack_s, r->merge_s, r->file_bytes / 1e6,
         r->path_wall_s, r->rss_kb / 1024.0);
}

static void print_stages(int ranks, const struct result *r) {
  printf("%d ranks, %zu rows (CPU s): pack on the ranks %.2f (all ranks, serially); rank 0: decode+merge "
         "%.2f, summaries %.2f, HDF5 write %.2f (file %.1f MB), wall %.2f; baseline raw write %.2f (%.1f MB), "
         "wall %.2f; peak RSS %.0f MB (%.1f B/row)\n",
         ranks, r->rows, r->pack_s, r->merge_s, r->sum_s, r->write_s, r->file_bytes / 1e6, r->path_wall_s,
         r->raw_s, r->raw_bytes / 1e6, r->raw_wall_s, r->rss_kb / 1024.0, r->rss_kb * 1024.0 / (double)r->rows);
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

int main(int argc, char **argv) {
  int smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
  int keep = argc > 2 && strcmp(argv[2], "--keep") == 0; /* the reports stay, for a look at them */
  int full = 4096;
  if (argc > 1 && !smoke) full = (int)strtol(argv[1], NULL, 10);
  if (full < 8) full = 8;
  char dir[] = "/tmp/wprof-bench-scale-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  struct wpr_config defaults;
  wpr_config_defaults(&defaults);
  int64_t bound_mb = defaults.gather_max_mb;
  struct result small = {0}, big = {0}, streamed = {0};
  int rc = 0;
  if (smoke) { /* and streamed-64.h5 beside report-64.h5: the same report, for check_streamed.py */
    rc = run_child(64, dir, 1, &big);
    if (rc == 0) print_stages(64, &big);
    stream_bytes = SMOKE_STREAM_BYTES;
    if (rc == 0) rc = run_child(64, dir, 2, &streamed);
    if (rc == 0) print_streamed(64, &streamed);
  } else {
    rc = run_child(full / 8, dir, 0, &small);
    if (rc == 0) print_stages(full / 8, &small);
    if (rc == 0) rc = run_child(full, dir, 0, &big);
    if (rc == 0) print_stages(full, &big);
    stream_bytes = (uint64_t)bound_mb << 20; /* as finalize does with the default WPROF_GATHER_MAX_MB */
    if (rc == 0) rc = run_child(full, dir, 2, &streamed);
    if (rc == 0) print_streamed(full, &streamed);
  }
  if (keep) printf("reports kept in %s\n", dir);
  else nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  if (rc != 0) {
    fprintf(stderr, "bench_scale: the report path failed\n");
    return 1;
  }
  if (smoke) return 0;
  /* finalize's own path: rows streamed past the default bound (held whole when they fit under it) */
  double path_s = streamed.merge_s, bpr = (double)streamed.file_bytes / streamed.rows;
  double raw_bpr = (double)big.raw_bytes / big.rows;
  double rss_big = big.rss_kb * 1024.0 / big.rows, rss_small = small.rss_kb * 1024.0 / small.rows;
  printf("BENCH report path, %d ranks, %.1f M rows: decode+merge+summaries+HDF5 write (CPU time; WPROF_GATHER_MAX_MB"
         "=%lld, the default: %d parts)|%.2f s|%.2f s (same rows, uncompressed, one H5Dwrite per table)|%.2f|<= %.0f s|%s\n",
         full, streamed.rows / 1e6, (long long)bound_mb, streamed.parts, path_s, big.raw_s, path_s / big.raw_s, TARGET_S,
         path_s <= TARGET_S ? "PASS" : "FAIL");
  printf("BENCH report file size per row, %d ranks|%.1f B|%.1f B (uncompressed)|%.2f|<= %.0f B|%s\n", full, bpr,
         raw_bpr, bpr / raw_bpr, TARGET_BYTES_PER_ROW, bpr <= TARGET_BYTES_PER_ROW ? "PASS" : "FAIL");
  printf("BENCH rank 0 peak RSS, %d ranks, rows streamed past WPROF_GATHER_MAX_MB=%lld|%.0f MB|%.0f MB (every row "
         "held)|%.2f|<= %lld MB (2x the bound)|%s\n",
         full, (long long)bound_mb, streamed.rss_kb / 1024.0, big.rss_kb / 1024.0,
         (double)streamed.rss_kb / (double)big.rss_kb, 2 * (long long)bound_mb,
         streamed.rss_kb / 1024.0 <= 2.0 * (double)bound_mb ? "PASS" : "FAIL");
  printf("BENCH every row held (a bound above them): rank 0 peak RSS per row, %d ranks (baseline: %d ranks)|%.0f B "
         "(%.0f MB)|%.0f B (%.0f MB)|%.2f|<= %.1f (linear)|%s\n",
         full, full / 8, rss_big, big.rss_kb / 1024.0, rss_small, small.rss_kb / 1024.0, rss_big / rss_small,
         TARGET_RSS_GROWTH, rss_big / rss_small <= TARGET_RSS_GROWTH ? "PASS" : "FAIL");
  double held_s = big.merge_s + big.sum_s + big.write_s;
  printf("BENCH every row held: report path, %d ranks (CPU time)|%.2f s|%.2f s (streamed, above)|%.2f|-|-\n", full,
         held_s, path_s, held_s / path_s);
  return 0;
}
