/* Load and exit of libwprof under `wprof run`: the program it exec'd profiles itself from the start
 * even when it never calls MPI_Init (a world of one), and writes its report at exit. Only that one
 * process does: children it starts inherit the environment but have another pid. */
#include <unistd.h>

#include "config.h"
#include "entry_points.h"
#include "log.h"

static int started_here(void) {
  struct wpr_config cfg;
  int level = WPR_LOG_WARN;
  wpr_log_set_level(WPR_LOG_ERROR); /* wprof_init reads the settings again and warns then */
  wpr_config_load(&cfg, wpr_env_getenv, NULL);
  wpr_log_set_level(level);
  return cfg.start == WPR_START_INIT && cfg.run_pid == (int64_t)getpid();
}

__attribute__((constructor)) static void wpr_preload_start(void) {
  if (started_here()) wpr_init_provisional();
}

__attribute__((destructor)) static void wpr_preload_finish(void) { wpr_finalize_provisional(); }
