/* Finalize: each rank packs its tables, rank 0 gathers them with a deadline, validates each rank's
 * data (a bad rank is marked, never fatal), adds the job's attributes and writes one HDF5 report. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wprof/wprof.h"
#include "breakdown.h"
#include "launch_latency.h"
#include "lite.h"
#include "log.h"
#include "mpi_table.h"
#include "meta.h"
#include "ranges.h"
#include "report_batched.h"
#include "session.h"
#include "stragglers.h"
#include "timeline.h"
#include "timer.h"
#include "wpio_h5.h"
#include "wpio_wire.h"

static void set_job_attrs(struct wpr_session *s, struct wpio_job *job);

static void read_command_line(char *buf, size_t len) {
  buf[0] = '\0';
  FILE *f = fopen("/proc/self/cmdline", "rb");
  if (!f) return;
  size_t n = fread(buf, 1, len - 1, f);
  fclose(f);
  buf[n] = '\0';
  for (size_t i = 0; n > 0 && i < n - 1; i++)
    if (buf[i] == '\0') buf[i] = ' ';
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

/* The timeline's events so far, in rank 0's timebase, and how many were not kept (this rank's row). */
static int collect_timeline(struct wpr_session *s, struct wpio_job *job) {
  uint64_t dropped = 0;
  if (wpr_timeline_collect(job, s->comm.rank, &s->clock, &dropped) != WPROF_OK) return WPROF_ENOMEM;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].rank == s->comm.rank) job->ranks.v[i].timeline_dropped = dropped;
  return WPROF_OK;
}

/* This rank's whole contribution: its /ranks row, and its tables when it collects. The job's
 * attributes (world_size, settings, sync) go with it, so a spill alone can rebuild a report. */
static int collect_local(struct wpr_session *s, struct wpio_job *job) {
  set_job_attrs(s, job);
  if (add_rank_row(s, job) != WPROF_OK) return WPROF_ENOMEM;
  /* every rank's arrivals, collecting or not: a rank left out of WPROF_RANKS may be the straggler */
  if (wpr_strag_collect(job, s->comm.rank, &s->clock) != 0) return WPROF_ENOMEM;
  if (!s->collecting) return WPROF_OK;
  if (wpio_job_merge(job, &s->local) != 0) return WPROF_ENOMEM;
  for (size_t i = 0; i < job->windows.n; i++) { /* on rank 0's clock, like every position packed */
    job->windows.v[i].start_ns = wpr_clock_to_root(&s->clock, job->windows.v[i].start_ns);
    job->windows.v[i].end_ns = wpr_clock_to_root(&s->clock, job->windows.v[i].end_ns);
  }
  if (wpr_lite_collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  if (wpr_ranges_collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  if (wpr_mpi_collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  if (s->backend->collect && s->backend->collect(job, s->comm.rank) != 0) return WPROF_ENOMEM;
  for (size_t i = 0; i < job->memory.n; i++) { /* a position too: on rank 0's clock */
    int64_t *t = &job->memory.v[i].peak_time_ns;
    if (*t) *t = wpr_clock_to_root(&s->clock, *t);
  }
  /* issue 9: after the MPI and GPU tables they are computed from */
  if (wpr_breakdown_collect(job, s->comm.rank) != 0 || wpr_cupti_other_subscriber_collect(job, s->comm.rank) != 0)
    return WPROF_ENOMEM;
  return collect_timeline(s, job); /* last: the backend's collect may have read more GPU records */
}

static void set_job_attrs(struct wpr_session *s, struct wpio_job *job) {
  char text[4096];
  for (int i = 0; i < wpr_option_count(); i++) {
    int is_int = 0;
    int64_t ival = 0;
    wpr_config_value(&s->cfg, i, text, sizeof(text), &is_int, &ival);
    if (is_int) wpio_job_set_attr_int(job, wpr_option_at(i)->attr, ival);
    else wpio_job_set_attr(job, wpr_option_at(i)->attr, text);
  }
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
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
  wpio_job_set_attr(job, "settings_agreement", s->settings_note[0] ? s->settings_note : "ok");
  read_command_line(text, sizeof(text));
  wpio_job_set_attr(job, "command", text);
  wpr_meta_set(s, job); /* after "command", which it copies; hosts from the /ranks rows so far */
}

/* The path of this session's report. A later session of the same process (wprof_init again after
 * wprof_finalize) must not replace the report an earlier one wrote: it gets "name.2.h5", "name.3.h5". */
static void report_path(const char *output, char *path, size_t len) {
  static char last_output[WPR_PATH_MAX];
  static int sessions;
  sessions = strcmp(output, last_output) == 0 ? sessions + 1 : 1;
  snprintf(last_output, sizeof(last_output), "%s", output);
  if (sessions == 1) {
    snprintf(path, len, "%s", output);
    return;
  }
  const char *slash = strrchr(output, '/');
  const char *dot = strrchr(slash ? slash : output, '.');
  int stem = dot && dot != output && dot != slash + 1 ? (int)(dot - output) : (int)strlen(output);
  snprintf(path, len, "%.*s.%d%s", stem, output, sessions, output + stem);
  WPR_WARN("this process wrote %s in an earlier session; this session's report goes to %s", output, path);
}

/* *complete says whether every rank's data made it into the report: only then may the spills go,
 * since a missing rank's spill (written at its last stop) is all that is left of its windows. */
static int write_job(struct wpr_session *s, struct wpr_merger *m, int *complete) {
  struct wpio_job *job = m->job;
  set_job_attrs(s, job);
  *complete = 1;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (!job->ranks.v[i].status || strcmp(job->ranks.v[i].status, WPIO_STATUS_OK) != 0) *complete = 0;
  return wpr_merger_write(m);
}

int wpr_report_pack_local(struct wpr_session *s, uint8_t **buf, size_t *len) {
  struct wpio_job mine;
  wpio_job_init(&mine);
  *buf = NULL;
  *len = 0;
  int rc = collect_local(s, &mine) == WPROF_OK && wpio_encode(&mine, buf, len) == 0 ? 0 : -1;
  wpio_job_free(&mine);
  return rc;
}

int wpr_report_finalize(struct wpr_session *s) {
  uint8_t *packed = NULL;
  size_t len = 0;
  uint64_t t0 = wpr_mono_ns();
  /* collective: the finalize clock exchange, before anything is packed */
  int refit = wpr_clock_session_end(s);
  if (wpr_report_pack_local(s, &packed, &len) != 0) {
    WPR_WARN("out of memory packing this rank's tables; sending none");
    free(packed);
    packed = NULL;
    len = 0;
  }
  /* The spill of the last stop was packed with the fit of then; a spill kept beside the report (or
   * recovered for a rank the report lacks) must carry the same aligned times as the report: it is
   * rewritten from this pack, before the gather (rank 0 removes the spills after it). */
  if (refit && s->backend_stops > 0) wpr_spill_write_packed(s, packed, len);
  uint64_t t_packed = wpr_mono_ns();

  /* rank 0 merges each rank's data as it arrives, in batches under WPROF_GATHER_MAX_MB, and streams
   * the merged rows to the report when they would outgrow that bound too */
  struct wpio_job job;
  wpio_job_init(&job);
  char path[WPR_PATH_MAX + 16] = "";
  if (s->comm.rank == 0) report_path(s->cfg.output, path, sizeof(path));
  struct wpr_merger merger;
  wpr_merger_init(&merger, &job, path, s->cfg.overwrite ? WPIO_H5_OVERWRITE : 0,
                  (uint64_t)(s->cfg.gather_max_mb > 0 ? s->cfg.gather_max_mb : 1) << 20);
  int rc = wpr_report_gather(s, packed, len, &merger);
  free(packed);
  uint64_t t_gathered = wpr_mono_ns();
  int status = WPROF_OK;
  if (s->comm.rank == 0) {
    int complete = 0;
    status = write_job(s, &merger, &complete); /* ranks the gather could not take are marked missing */
    if (status == WPROF_OK && complete) wpr_spill_remove(s);
    else if (status == WPROF_OK) wpr_spill_keep_note(s);
  } else if (rc != WPC_OK) {
    WPR_WARN("rank 0 did not take this rank's data before the deadline");
    status = WPROF_ETIMEOUT;
  }
  wpr_merger_free(&merger);
  wpio_job_free(&job);
  uint64_t t_end = wpr_mono_ns();
  WPR_DEBUG("finalize: clock exchange + pack %.3f ms, gather %.3f ms, report %.3f ms", (double)(t_packed - t0) / 1e6,
            (double)(t_gathered - t_packed) / 1e6, (double)(t_end - t_gathered) / 1e6);
  return status;
}
