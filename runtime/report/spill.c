/* Crash spills: at every real stop each rank writes its packed tables to <output>.d/rank-N.wpb, so a
 * job that dies loses at most the open window (`wprof recover` rebuilds the report); rank 0 removes
 * the spills after a good report. A file system that says no costs one warning, never the run. */
#include "spill.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "report_pack.h"
#include "timer.h"
#include "wpio_spill.h"

static int warned_write;

static void write_packed(struct wpr_session *s, const uint8_t *buf, size_t len) {
  char dir[WPR_PATH_MAX + 8], err[WPR_PATH_MAX + 256] = "";
  uint64_t t0 = wpr_mono_ns();
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0) {
    wpr_warn_once(&warned_write, "no crash spills: the path %s.d is too long", s->cfg.output);
  } else if (wpio_spill_dir_prepare(dir, err, sizeof err) < 0 ||
             wpio_spill_write(dir, s->comm.rank, buf, len, err, sizeof err) < 0) {
    /* later stops try again: a full disk may have room by then */
    wpr_warn_once(&warned_write, "no crash spill written (%s); profiling goes on, but a crash would lose "
                  "this rank's data", err);
  } else {
    WPR_DEBUG("spilled %zu bytes to %s in %.3f ms", len, dir, (double)(wpr_mono_ns() - t0) / 1e6);
  }
}

void wpr_spill_write(struct wpr_session *s) {
  uint8_t *buf = NULL;
  size_t len = 0;
  if (wpr_report_pack_local(s, &buf, &len) != 0)
    wpr_warn_once(&warned_write, "no crash spill written: out of memory packing this rank's tables");
  else
    write_packed(s, buf, len);
  free(buf);
}

void wpr_spill_write_packed(struct wpr_session *s, const uint8_t *buf, size_t len) {
  if (buf) write_packed(s, buf, len);
  else wpr_spill_write(s); /* the caller could not pack: the spill's own try */
}

void wpr_spill_remove(struct wpr_session *s) {
  if (s->cfg.keep_spills) return;
  char dir[WPR_PATH_MAX + 8], err[WPR_PATH_MAX + 256] = "";
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0) return;
  int left = wpio_spill_remove_all(dir, err, sizeof err);
  if (left < 0) WPR_WARN("crash spills not removed: %s", err);
  else if (left > 0) WPR_WARN("%d crash spill file(s) in %s could not be removed", left, dir);
}

void wpr_spill_keep_note(struct wpr_session *s) {
  char dir[WPR_PATH_MAX + 8];
  if (wpio_spill_dir_of(s->cfg.output, dir, sizeof dir) < 0 || access(dir, F_OK) != 0) return;
  WPR_WARN("the report lacks some ranks; crash spills kept in %s (`wprof recover %s -o FILE` rebuilds "
           "a report from them)", dir, dir);
}
