/* This rank's tables packed with the wire format: its /ranks row, the job's attributes, and (when it
 * collects) its windows and every collector's tables, positions on rank 0's clock. What finalize
 * gathers, a spill writes and the stop tables print is this one pack. */
#include "report_pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wprof/wprof.h"
#include "breakdown.h"
#include "launch_latency.h"
#include "lite.h"
#include "meta.h"
#include "mpi_table.h"
#include "ranges.h"
#include "stragglers.h"
#include "timeline.h"
#include "timer.h"
#include "wpio_wire.h"

/* The command line, read once: a process's /proc/self/cmdline does not change. */
static void read_command_line(char *buf, size_t len) {
  static char cached[4096];
  static int read_once;
  if (read_once) {
    snprintf(buf, len, "%s", cached);
    return;
  }
  buf[0] = '\0';
  FILE *f = fopen("/proc/self/cmdline", "rb");
  if (!f) return;
  size_t n = fread(buf, 1, len - 1, f);
  fclose(f);
  buf[n] = '\0';
  for (size_t i = 0; n > 0 && i < n - 1; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  snprintf(cached, sizeof cached, "%s", buf);
  read_once = 1;
}

/* Every option's attribute value, formatted once per configuration: every spill and the finalize
 * pack set them all, and formatting each option at each stop showed in a rank's collect. Keyed by
 * the whole configuration (plain data), which wprof_set_window_iters may change between windows. */
struct option_value {
  char *text;
  int is_int;
  int64_t ival;
};
static struct wpr_config options_cfg;
static struct option_value *options_cached;

static const struct option_value *option_values(const struct wpr_config *cfg) {
  int n = wpr_option_count();
  if (options_cached && memcmp(&options_cfg, cfg, sizeof *cfg) == 0) return options_cached;
  struct option_value *v = calloc((size_t)n, sizeof *v);
  char text[4096];
  for (int i = 0; v && i < n; i++) {
    wpr_config_value(cfg, i, text, sizeof(text), &v[i].is_int, &v[i].ival);
    if (!(v[i].text = strdup(text))) {
      for (int k = 0; k < i; k++) free(v[k].text);
      free(v);
      v = NULL;
    }
  }
  if (!v) return NULL; /* out of memory: the caller formats them itself */
  for (int i = 0; options_cached && i < n; i++) free(options_cached[i].text);
  free(options_cached);
  options_cached = v;
  memcpy(&options_cfg, cfg, sizeof *cfg);
  return v;
}

static int add_rank_row(struct wpr_session *s, struct wpio_job *job) {
  struct wpio_rank_row *row = WPIO_VEC_PUSH(job->ranks);
  if (!row) return WPROF_ENOMEM;
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  row->rank = s->comm.rank;
  row->hostname = strdup(host);
  row->status = strdup(WPIO_STATUS_OK);
  row->pid = (int64_t)getpid();
  row->device = -1;
  row->collected = s->collecting;
  row->clock_offset_ns = s->clock.offset_ns;
  row->clock_drift_ppm = s->clock.drift_ppm;
  row->clock_residual_ns = s->clock.residual_ns;
  row->clock_ref_ns = s->clock.ref_ns;
  return row->hostname && row->status ? WPROF_OK : WPROF_ENOMEM;
}

/* The timeline's events so far, on `clock`, and how many were not kept (this rank's row). */
static int collect_timeline(struct wpr_session *s, struct wpio_job *job, const struct wpr_clock_fit *clock) {
  uint64_t dropped = 0;
  if (wpr_timeline_collect(job, s->comm.rank, clock, &dropped) != WPROF_OK) return WPROF_ENOMEM;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].rank == s->comm.rank) job->ranks.v[i].timeline_dropped = dropped;
  return WPROF_OK;
}

/* The windows' starts and ends on `clock`. */
static void windows_to(struct wpio_job *job, const struct wpr_clock_fit *clock) {
  for (size_t i = 0; i < job->windows.n; i++) {
    job->windows.v[i].start_ns = wpr_clock_to_root(clock, job->windows.v[i].start_ns);
    job->windows.v[i].end_ns = wpr_clock_to_root(clock, job->windows.v[i].end_ns);
  }
}

/* The memory peaks' times on `clock` (0: no peak, kept). */
static void memory_peaks_to(struct wpio_job *job, const struct wpr_clock_fit *clock) {
  for (size_t i = 0; i < job->memory.n; i++)
    if (job->memory.v[i].peak_time_ns) job->memory.v[i].peak_time_ns = wpr_clock_to_root(clock, job->memory.v[i].peak_time_ns);
}

/* This rank's whole contribution: its /ranks row, and its tables when it collects, positions put on
 * `clock` (rank 0's fit, or wpr_clock_local), the /ranges and /mpi rows of windows >= from_window,
 * the lite scopes when with_lite. The job's attributes (world_size, settings, sync) go with it, so a
 * spill alone can rebuild a report. */
static int collect_local(struct wpr_session *s, struct wpio_job *job, const struct wpr_clock_fit *clock,
                         int32_t from_window, int with_lite) {
  wpr_report_set_attrs(s, job);
  if (add_rank_row(s, job) != WPROF_OK) return WPROF_ENOMEM;
  /* every rank's arrivals, collecting or not: a rank left out of WPROF_RANKS may be the straggler */
  if (wpr_strag_collect(job, s->comm.rank, clock) != 0) return WPROF_ENOMEM;
  if (!s->collecting) return WPROF_OK;
  if (wpio_job_merge(job, &s->local) != 0) return WPROF_ENOMEM;
  windows_to(job, clock); /* like every position packed */
  if (with_lite && wpr_lite_collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  if (wpr_ranges_collect(job, s->comm.rank, from_window) != 0) return WPROF_ENOMEM;
  if (wpr_mpi_collect(job, s->comm.rank, from_window) != 0) return WPROF_ENOMEM;
  if (s->backend->collect && s->backend->collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  memory_peaks_to(job, clock); /* a position too */
  /* issue 9: after the MPI and GPU tables they are computed from */
  if (wpr_breakdown_collect(job, s->comm.rank) != 0 || wpr_cupti_other_subscriber_collect(job, s->comm.rank) != 0)
    return WPROF_ENOMEM;
  return collect_timeline(s, job, clock); /* last: the backend's collect may have read more GPU records */
}

void wpr_report_set_attrs(struct wpr_session *s, struct wpio_job *job) {
  char text[4096];
  const struct option_value *v = option_values(&s->cfg);
  for (int i = 0; i < wpr_option_count(); i++) {
    int is_int = 0;
    int64_t ival = 0;
    if (v) is_int = v[i].is_int, ival = v[i].ival;
    else wpr_config_value(&s->cfg, i, text, sizeof(text), &is_int, &ival);
    if (is_int) wpio_job_set_attr_int(job, wpr_option_at(i)->attr, ival);
    else wpio_job_set_attr(job, wpr_option_at(i)->attr, v ? v[i].text : text);
  }
  wpr_utc_text(time(NULL), text, sizeof text);
  wpio_job_set_attr(job, "created", text);
  wpio_job_set_attr(job, "wprof_version", WPROF_VERSION_STRING);
  wpio_job_set_attr_int(job, "schema_version", WPIO_SCHEMA_VERSION);
  wpio_job_set_attr_int(job, "world_size", s->comm.size);
  wpio_job_set_attr(job, "backend", s->backend->name);
  wpio_job_set_attr(job, "backend_requested", wpr_backend_kind_name(s->cfg.backend));
  /* this rank's own note; else one another rank's data brought in (merge_rank), else ok */
  const struct wpio_attr *sync = wpio_job_attr(job, "sync");
  if (s->sync_note[0]) wpio_job_set_attr(job, "sync", s->sync_note);
  else if (!sync || !sync->value) wpio_job_set_attr(job, "sync", "ok");
  /* likewise: rank 0's note, else the notes of the ranks whose settings differed (merge_rank) */
  const struct wpio_attr *agreement = wpio_job_attr(job, "settings_agreement");
  if (s->settings_note[0]) wpio_job_set_attr(job, "settings_agreement", s->settings_note);
  else if (!agreement || !agreement->value) wpio_job_set_attr(job, "settings_agreement", "ok");
  read_command_line(text, sizeof(text));
  wpio_job_set_attr(job, "command", text);
  wpr_meta_set(s, job); /* after "command", which it copies; hosts from the /ranks rows so far */
}

const struct wpr_clock_fit wpr_clock_local = {0, 0.0, 0, 0};

int wpr_report_collect_local(struct wpr_session *s, struct wpio_job *job, const struct wpr_clock_fit *clock,
                             int32_t from_window, int with_lite) {
  return collect_local(s, job, clock, from_window, with_lite);
}

void wpr_report_positions_to_root(struct wpio_job *job, const struct wpr_clock_fit *clock) {
  windows_to(job, clock);
  memory_peaks_to(job, clock);
  for (size_t i = 0; i < job->timeline.n; i++) {
    job->timeline.v[i].start_ns = wpr_clock_to_root(clock, job->timeline.v[i].start_ns);
    job->timeline.v[i].end_ns = wpr_clock_to_root(clock, job->timeline.v[i].end_ns);
  }
  for (size_t i = 0; i < job->strag_events.n; i++) {
    job->strag_events.v[i].entry_ns = wpr_clock_to_root(clock, job->strag_events.v[i].entry_ns);
    job->strag_events.v[i].exit_ns = wpr_clock_to_root(clock, job->strag_events.v[i].exit_ns);
  }
}

/* The kept scratch; whether it is taken (an atomic flag: a second taker gets a new one); whether only
 * its buffer is, lent by wpr_report_pack_local until wpr_report_pack_done; and whether that buffer is
 * to be freed then (released while lent). */
static struct wpr_pack_scratch kept;
static int kept_taken, kept_lent, kept_drop_buf;

struct wpr_pack_scratch *wpr_pack_scratch_take(void) {
  if (!__atomic_exchange_n(&kept_taken, 1, __ATOMIC_ACQUIRE)) return &kept; /* zeroed: an initialised job */
  struct wpr_pack_scratch *sc = calloc(1, sizeof *sc);
  if (sc) wpio_job_init(&sc->job);
  return sc;
}

int wpr_pack_scratch_encode(struct wpr_pack_scratch *sc, size_t *len) {
  return wpio_encode_into(&sc->job, &sc->buf, &sc->cap, len);
}

static void kept_buf_free(void) {
  free(kept.buf);
  kept.buf = NULL;
  kept.cap = 0;
}

void wpr_pack_scratch_give(struct wpr_pack_scratch *sc) {
  if (!sc) return;
  if (sc != &kept) {
    wpio_job_free(&sc->job);
    free(sc->buf);
    free(sc);
    return;
  }
  wpio_job_clear(&kept.job); /* the rows' strings freed now, the tables' memory kept */
  if (kept_drop_buf) kept_buf_free();
  kept_drop_buf = 0;
  __atomic_store_n(&kept_taken, 0, __ATOMIC_RELEASE);
}

void wpr_pack_scratch_release(void) {
  wpr_ranges_collect_release(); /* the index the ranges' collects keep, likewise */
  if (!__atomic_exchange_n(&kept_taken, 1, __ATOMIC_ACQUIRE)) {
    wpio_job_free(&kept.job);
    kept_buf_free();
    __atomic_store_n(&kept_taken, 0, __ATOMIC_RELEASE);
  } else if (__atomic_load_n(&kept_lent, __ATOMIC_ACQUIRE)) {
    /* only the buffer is read (finalize's gather): the job's memory goes back now, the buffer's at
     * wpr_report_pack_done; a scratch in a packer's hands is left to it */
    wpio_job_free(&kept.job);
    kept_drop_buf = 1;
  }
}

int wpr_report_pack_local(struct wpr_session *s, uint8_t **buf, size_t *len) {
  struct wpr_pack_scratch *sc = wpr_pack_scratch_take();
  *buf = NULL;
  *len = 0;
  if (!sc || collect_local(s, &sc->job, &s->clock, 0, 1) != WPROF_OK || wpr_pack_scratch_encode(sc, len) != 0) {
    *len = 0;
    wpr_pack_scratch_give(sc);
    return -1;
  }
  if (sc != &kept) { /* a scratch of its own: the caller's buffer is then simply freed */
    *buf = sc->buf;
    sc->buf = NULL;
    wpr_pack_scratch_give(sc);
    return 0;
  }
  __atomic_store_n(&kept_lent, 1, __ATOMIC_RELEASE); /* the kept scratch stays taken until wpr_report_pack_done */
  *buf = kept.buf;
  return 0;
}

void wpr_report_pack_done(uint8_t *buf) {
  if (buf && buf == kept.buf && __atomic_load_n(&kept_lent, __ATOMIC_ACQUIRE)) {
    __atomic_store_n(&kept_lent, 0, __ATOMIC_RELEASE);
    wpr_pack_scratch_give(&kept);
  } else {
    free(buf);
  }
}
