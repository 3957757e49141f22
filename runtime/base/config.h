/* The one option table: every WPROF_* variable is declared once (name, type, default, doc, report
 * attribute) and drives env parsing, validation messages, the report's attributes and docs/user-guide.md. */
#ifndef WPR_CONFIG_H
#define WPR_CONFIG_H

#include <stdint.h>
#include <stdio.h>

enum wpr_backend_kind { WPR_BACKEND_AUTO = 0, WPR_BACKEND_CUPTI, WPR_BACKEND_CUDA_PROFILER_API, WPR_BACKEND_HOST };
const char *wpr_backend_kind_name(int kind);
/* The WPROF_BACKEND words, indexed by enum wpr_backend_kind (NULL-terminated). */
extern const char *const wpr_backend_words[];
#define WPR_BACKEND_KINDS 4

#define WPR_PATH_MAX 4096
#define WPR_RANK_SPANS_MAX 64

struct wpr_rank_span { int32_t lo, hi; };

struct wpr_config {
  int64_t delay_iters;        /* WPROF_DELAY_ITERS */
  int64_t max_iters;          /* WPROF_MAX_ITERS, 0 = no limit */
  char output[WPR_PATH_MAX];  /* WPROF_OUTPUT */
  int backend;                /* WPROF_BACKEND: enum wpr_backend_kind */
  int lite;                   /* WPROF_LITE */
  char ranks[1024];           /* WPROF_RANKS as given ("" = all ranks) */
  struct wpr_rank_span rank_spans[WPR_RANK_SPANS_MAX];
  int n_rank_spans;           /* 0 = all ranks */
  int64_t sync_timeout_ms;    /* WPROF_SYNC_TIMEOUT_MS */
  int log_level;              /* WPROF_LOG: enum wpr_log_level */
  char cupti_library[WPR_PATH_MAX]; /* WPROF_CUPTI_LIBRARY */
  int64_t cupti_buffer_kb;    /* WPROF_CUPTI_BUFFER_KB */
  int keep_spills;            /* WPROF_KEEP_SPILLS */
  int64_t spill_interval_ms;  /* WPROF_SPILL_INTERVAL_MS (0 = no open-window spills) */
  int overwrite;              /* WPROF_OVERWRITE */
  int start;                  /* WPROF_START: enum wpr_start_mode */
  char step_range[256];       /* WPROF_STEP_RANGE ("" = off) */
  char step_mpi[64];          /* WPROF_STEP_MPI ("" = off) */
  int64_t run_pid;            /* WPROF_RUN_PID: the process `wprof run` exec'd (0 = none) */
  int timeline;               /* WPROF_TIMELINE */
  int64_t timeline_max_events; /* WPROF_TIMELINE_MAX_EVENTS, per rank */
  int64_t straggler_max_events; /* WPROF_STRAGGLER_MAX_EVENTS, per rank and window */
  int64_t gather_max_mb;      /* WPROF_GATHER_MAX_MB */
  int memory;                 /* WPROF_MEMORY */
  int stacks;                 /* WPROF_STACKS */
  int64_t print_top;          /* WPROF_PRINT=top:N (0 = off) */
  char table_dir[WPR_PATH_MAX]; /* WPROF_TABLE_DIR ("" = off) */
  int64_t clock_test_offset_ns; /* WPROF_CLOCK_TEST_OFFSET_NS (testing) */
  char meta[1024];            /* WPROF_META: user run metadata "k=v,k=v" ("" = none) */
};

enum wpr_start_mode { WPR_START_MANUAL = 0, WPR_START_INIT = 1 };
extern const char *const wpr_start_words[];

/* Looks a variable up (getenv in the library, a table in tests and fuzzers). */
typedef const char *(*wpr_env_lookup)(const char *name, void *ctx);
/* The process environment as a wpr_env_lookup (`ctx` unused): the library's only getenv. */
const char *wpr_env_getenv(const char *name, void *ctx);

/* Fills `cfg` with defaults, then parses each variable `lookup` finds. A malformed value gets one
 * warning naming the variable and value, and the default is kept. Returns the number of malformed
 * values (0 when all were good). */
int wpr_config_load(struct wpr_config *cfg, wpr_env_lookup lookup, void *ctx);
void wpr_config_defaults(struct wpr_config *cfg);

/* 1 when `rank` collects data under WPROF_RANKS. */
int wpr_config_rank_selected(const struct wpr_config *cfg, int rank);

/* The table itself, for the report's attributes and the docs. */
struct wpr_option_info {
  const char *env;        /* "WPROF_DELAY_ITERS" */
  const char *attr;       /* report attribute: "delay_iters" */
  const char *type;       /* "integer >= 0", "boolean", "path", ... */
  const char *default_text;
  const char *doc;
};
int wpr_option_count(void);
const struct wpr_option_info *wpr_option_at(int i);
/* The effective value of option i, as text; *is_int and *ival set for integer-valued options. */
void wpr_config_value(const struct wpr_config *cfg, int i, char *buf, size_t len, int *is_int, int64_t *ival);
/* docs/user-guide.md's table of variables (markdown), generated from the table. */
void wpr_config_write_markdown(FILE *out);

#endif
