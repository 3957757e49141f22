/* Tables at every real stop, like the seed: with WPROF_PRINT=top:N each rank sends its tables of the
 * window that just closed to rank 0 (the finalize gather, same deadlines), which prints the cross-rank
 * top N to stdout; with WPROF_TABLE_DIR each rank writes its own tables of that window to
 * DIR/profile_rank{R}_window{W}.txt. Same formatter as `wprof report`; failures warn once. */
#include "stop_tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "report_pack.h"
#include "timer.h"
#include "wpio_format.h"
#include "wpio_format_stop.h"
#include "wpio_spill.h"
#include "wpio_wire.h"

/* This rank's tables cut down to `window` (lite scopes: the run so far). 0, or -1 (out of memory). */
static int local_window_job(struct wpr_session *s, int32_t window, struct wpio_job *job) {
  uint8_t *buf = NULL;
  size_t len = 0;
  char err[256];
  int rc = wpr_report_pack_local(s, &buf, &len) == 0 && wpio_decode(buf, len, job, err, sizeof err) == 0 ? 0 : -1;
  wpr_report_pack_done(buf);
  if (rc == 0) wpio_job_keep_window(job, window);
  return rc;
}

/* ---- WPROF_TABLE_DIR: one file per rank and window ---- */

/* mkdir -p: every missing component of `dir`, mode 0755. 0, or -1 with errno set. */
static int make_dirs(const char *dir) {
  char path[WPR_PATH_MAX];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(path, dir, n + 1);
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    struct stat st;
    if (mkdir(path, 0755) < 0 && errno != EEXIST) return -1;
    if (stat(path, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      return -1;
    }
    if (c == '\0') return 0;
    *p = c;
  }
}

static int render_rank_file(FILE *f, const struct wpio_job *job, int rank, int32_t window, char *err, size_t errlen) {
  char source[96];
  snprintf(source, sizeof source, "rank %d at the stop of window %d", rank, (int)window);
  fprintf(f, "wprof: rank %d, window %d stop (lite scopes: the whole run so far)\n", rank, (int)window);
  if (wpio_format_header(f, job, source, "") < 0) return -1;
  fputc('\n', f);
  return wpio_format_stop_tables(f, job, rank, window, 0, 1, err, errlen);
}

/* Writes DIR/profile_rank{R}_window{W}.txt through a temporary file and a rename, so a reader never
 * sees half a table. 0, or -1 with a reason in err. */
static int write_rank_file(struct wpr_session *s, struct wpio_job *job, int32_t window, char *err,
                           size_t errlen) {
  const char *dir = s->cfg.table_dir;
  char path[WPR_PATH_MAX + 64], tmp[WPR_PATH_MAX + 96];
  int rank = s->comm.rank;
  if (wpio_job_summarize(job) < 0) { /* the lite percentiles come from the histograms */
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (make_dirs(dir) < 0) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  snprintf(path, sizeof path, "%s/profile_rank%d_window%d.txt", dir, rank, (int)window);
  snprintf(tmp, sizeof tmp, "%s/.profile_rank%d_window%d.txt.tmp.%ld", dir, rank, (int)window, (long)getpid());
  FILE *f = fopen(tmp, "wx");
  if (!f) {
    snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    return -1;
  }
  int rc = render_rank_file(f, job, rank, window, err, errlen);
  if (fclose(f) != 0 && rc == 0) rc = -1;
  if (rc == 0 && rename(tmp, path) < 0) rc = -1;
  if (rc < 0) {
    if (!err[0]) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
  }
  return rc;
}

/* ---- WPROF_PRINT: the cross-rank tables on rank 0 ---- */

/* "2,5" into buf (cut with "..." when long). */
static void append_rank(char *buf, size_t len, int rank) {
  size_t used = strlen(buf);
  if (used + 16 >= len) {
    if (used + 4 < len && strcmp(buf + used - 3, "...") != 0) strcat(buf, ",...");
    return;
  }
  snprintf(buf + used, len - used, "%s%d", used ? "," : "", rank);
}

/* Rank 0's assembly of one stop's tables, rank by rank as the gather hands them over (in batches under
 * WPROF_GATHER_MAX_MB, so rank 0 never holds every rank's bytes at once). */
struct stop_assembly {
  struct wpio_job job;
  int present;
  char missing[256], corrupt[256];
};

/* Decodes one rank's bytes into the job; a rank that sent nothing or bad data is listed. */
static void assemble_rank(void *arg, int r, const uint8_t *buf, size_t len) {
  struct stop_assembly *a = arg;
  if (!buf || len == 0) { /* nothing arrived, or the rank could not pack (out of memory) */
    append_rank(a->missing, sizeof(a->missing), r);
    return;
  }
  struct wpio_job part;
  wpio_job_init(&part);
  char err[256];
  int bad = wpio_spill_decode(buf, len, r, &part, err, sizeof err) < 0;
  for (size_t i = 0; !bad && i < part.mpi.n; i++) bad = part.mpi.v[i].rank != r; /* a rank speaks for itself */
  if (bad || wpio_job_merge(&a->job, &part) < 0)
    append_rank(a->corrupt, sizeof(a->corrupt), r);
  else
    a->present++;
  wpio_job_free(&part);
}

/* The whole printout in memory first, then one write: the lines stay together on stdout. */
static int render_summary(struct wpr_session *s, struct stop_assembly *a, int32_t window, char **text, size_t *len) {
  char err[256] = "";
  FILE *out = wpio_job_summarize(&a->job) == 0 ? open_memstream(text, len) : NULL;
  if (!out) return -1;
  fprintf(out, "wprof: window %d stop (ranks %d/%d", (int)window, a->present, s->comm.size);
  if (a->missing[0]) fprintf(out, "; missing: %s", a->missing);
  if (a->corrupt[0]) fprintf(out, "; corrupt: %s", a->corrupt);
  fprintf(out, ")\nwprof: top %lld per table of window %d; lite scopes: the whole run so far\n\n",
          (long long)s->cfg.print_top, (int)window);
  int rc = wpio_format_stop_tables(out, &a->job, -1, window, (size_t)s->cfg.print_top, 0, err, sizeof err);
  if (fclose(out) != 0) rc = -1;
  return rc;
}

static void print_on_root(struct wpr_session *s, const struct wpio_job *mine, int32_t window) {
  static int warned;
  uint8_t *packed = NULL;
  size_t len = 0;
  if (mine && wpio_encode(mine, &packed, &len) != 0) {
    free(packed);
    packed = NULL; /* rank 0 shows this rank as missing */
    len = 0;
  }
  static struct stop_assembly a; /* rank 0's; only the driving thread is here */
  memset(&a, 0, sizeof(a));
  wpio_job_init(&a.job);
  uint64_t t0 = wpr_mono_ns();
  uint64_t max_bytes = (uint64_t)(s->cfg.gather_max_mb > 0 ? s->cfg.gather_max_mb : 1) << 20;
  int nbatches = 0;
  int rc = wpc_gather_batched_keyed(&s->comm, (uint32_t)window, packed, len, max_bytes, assemble_rank, &a,
                                    &nbatches);
  uint64_t t1 = wpr_mono_ns();
  free(packed);
  if (s->comm.rank != 0) {
    if (rc != WPC_OK)
      wpr_warn_once(&warned, "rank 0 did not take this rank's tables of window %d before the deadline%s%s",
                    (int)window, s->comm.note[0] ? ": " : "", s->comm.note);
  } else {
    char *text = NULL;
    size_t text_len = 0;
    if (render_summary(s, &a, window, &text, &text_len) != 0) {
      wpr_warn_once(&warned, "no tables printed at the stop of window %d (out of memory)", (int)window);
    } else {
      fwrite(text, 1, text_len, stdout);
      fflush(stdout);
    }
    static int said; /* once per process: the same bound applies at every stop */
    if (nbatches > 1 && !said++)
      WPR_INFO("gathered the ranks' tables of window %d in %d batches of at most %lld MB (WPROF_GATHER_MAX_MB)",
               (int)window, nbatches, (long long)(max_bytes >> 20));
    WPR_DEBUG("window %d: gather in %d batch(es) %.3f ms, assemble and print %.3f ms", (int)window, nbatches,
              (double)(t1 - t0) / 1e6, (double)(wpr_mono_ns() - t1) / 1e6);
    free(text);
  }
  wpio_job_free(&a.job);
}

void wpr_stop_tables(struct wpr_session *s, int32_t window) {
  static int warned_pack, warned_file;
  int want_file = s->cfg.table_dir[0] != '\0' && s->collecting;
  if (s->cfg.print_top <= 0 && !want_file) return;
  uint64_t t0 = wpr_mono_ns();
  struct wpio_job mine;
  wpio_job_init(&mine);
  int have = local_window_job(s, window, &mine) == 0;
  if (!have)
    wpr_warn_once(&warned_pack, "out of memory packing this rank's tables at the stop of window %d", (int)window);
  char err[WPR_PATH_MAX + 256] = "";
  if (want_file && have && write_rank_file(s, &mine, window, err, sizeof err) < 0)
    wpr_warn_once(&warned_file, "no table files written to WPROF_TABLE_DIR (%s); profiling goes on", err);
  /* collective: every rank takes part, whatever it could pack */
  uint64_t t1 = wpr_mono_ns();
  if (s->cfg.print_top > 0) print_on_root(s, have ? &mine : NULL, window);
  wpio_job_free(&mine);
  uint64_t t2 = wpr_mono_ns();
  WPR_DEBUG("tables at the stop of window %d took %.3f ms (own tables and file %.3f ms, gather and print "
            "%.3f ms)", (int)window, (double)(t2 - t0) / 1e6, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
}
