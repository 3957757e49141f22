/* The one option table: every WPROF_* variable is declared once below, and the table drives the
 * defaults, env parsing and its warnings, the report's attributes and docs/user-guide.md's table. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

struct option;
/* Parses `text` into the option's field(s) of `cfg`; 0, or -1 when malformed (cfg untouched). */
typedef int (*option_parse_fn)(struct wpr_config *cfg, const struct option *opt, const char *text);
/* The effective value as text (and as an integer for integer-valued options). */
typedef void (*option_format_fn)(const struct wpr_config *cfg, const struct option *opt, char *buf,
                                 size_t len, int *is_int, int64_t *ival);

struct option {
  struct wpr_option_info info;  /* first, so wpr_option_at can hand it out */
  const char *expect;           /* for warnings: `WPROF_X="v" is not <expect>` */
  option_parse_fn parse;
  option_format_fn format;
  size_t offset;                /* the field in struct wpr_config */
  int64_t lo, hi;               /* integer bounds; names: hi = field size, lo = MPI_ name rule */
  const char *const *words;     /* enum spellings, NULL-terminated; index = value */
  const char *empty_means;      /* what an empty default stands for, in messages and docs */
};

const char *const wpr_backend_words[] = {"auto", "cupti", "cuda-profiler-api", "host", NULL};
static const char *const log_words[] = {"error", "warn", "info", "debug", NULL};
const char *const wpr_start_words[] = {"manual", "init", NULL};

static int parse_int(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_path(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_word(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_bool(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_ranks(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_name(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_print(struct wpr_config *cfg, const struct option *opt, const char *text);
static int parse_meta(struct wpr_config *cfg, const struct option *opt, const char *text);
static void format_int(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                       int *is_int, int64_t *ival);
static void format_text(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival);
static void format_word(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival);
static void format_bool(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival);
static void format_ranks(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                         int *is_int, int64_t *ival);
static void format_print(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                         int *is_int, int64_t *ival);

#define FIELD(f) offsetof(struct wpr_config, f)

static const struct option options[] = {
    {{"WPROF_DELAY_ITERS", "delay_iters", "integer >= 0", "0",
      "step() calls after start() before the window opens (0: start() opens it)"},
     "an integer >= 0", parse_int, format_int, FIELD(delay_iters), 0, INT64_MAX, NULL, NULL},
    {{"WPROF_MAX_ITERS", "max_iters", "integer >= 0", "0",
      "profiled steps after which the window closes (0: no limit, stop() closes it)"},
     "an integer >= 0", parse_int, format_int, FIELD(max_iters), 0, INT64_MAX, NULL, NULL},
    {{"WPROF_OUTPUT", "output", "path", "wprof-report.h5", "the HDF5 report written by rank 0"},
     "a non-empty path", parse_path, format_text, FIELD(output), 0, 0, NULL, NULL},
    {{"WPROF_BACKEND", "backend_requested", "auto|cupti|cuda-profiler-api|host", "auto",
      "collector; auto picks cupti when a CUDA device is usable, else host"},
     "one of auto|cupti|cuda-profiler-api|host", parse_word, format_word, FIELD(backend), 0, 0,
     wpr_backend_words, NULL},
    {{"WPROF_LITE", "lite", "boolean", "1", "record lite scopes (wprof_scope_begin/end)"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(lite), 0, 0, NULL, NULL},
    {{"WPROF_RANKS", "ranks", "rank list", "",
      "ranks that collect, e.g. 0,4-7 (empty: all); the others only take part in sync points"},
     "a rank list like 0,4-7", parse_ranks, format_ranks, FIELD(ranks), 0, INT32_MAX, NULL, "all ranks"},
    {{"WPROF_SYNC_TIMEOUT_MS", "sync_timeout_ms", "integer 1..3600000", "10000",
      "deadline of a sync point or the gather before missing ranks are named and left behind"},
     "an integer in 1..3600000", parse_int, format_int, FIELD(sync_timeout_ms), 1, 3600000, NULL, NULL},
    {{"WPROF_LOG", "log", "error|warn|info|debug", "warn", "messages printed to stderr"},
     "one of error|warn|info|debug", parse_word, format_word, FIELD(log_level), 0, 0, log_words, NULL},
    {{"WPROF_CUPTI_LIBRARY", "cupti_library", "path", "libcupti.so",
      "the libcupti the cupti backend dlopens (a soname or a path); the default means the one already "
      "loaded, else the CUDA runtime's"},
     "a non-empty path", parse_path, format_text, FIELD(cupti_library), 0, 0, NULL, NULL},
    {{"WPROF_CUPTI_BUFFER_KB", "cupti_buffer_kb", "integer 16..1048576", "4096",
      "size of each CUPTI activity buffer; records that find no buffer are counted as dropped"},
     "an integer in 16..1048576", parse_int, format_int, FIELD(cupti_buffer_kb), 16, 1048576, NULL, NULL},
    {{"WPROF_KEEP_SPILLS", "keep_spills", "boolean", "0",
      "keep the per-rank spill files (<output>.d/rank-N.wpb) after a good report"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(keep_spills), 0, 0, NULL, NULL},
    {{"WPROF_SPILL_INTERVAL_MS", "spill_interval_ms", "integer 0..86400000", "10000",
      "while a window is open, each rank spills it (as cut short) at most this often, checked at "
      "wprof_step, so a rank killed mid-window loses at most this much (spills wait 19x their own "
      "cost when longer: at most 5 % of the run), and a stop's spill leaves the lite scopes out while "
      "the spill's copy of them, or before one the session's start, is younger than this (a rank "
      "whose stops all came within this of its start recovers none); 0: spills at stops only, each "
      "with the lite scopes"},
     "an integer in 0..86400000", parse_int, format_int, FIELD(spill_interval_ms), 0, 86400000, NULL, NULL},
    {{"WPROF_OVERWRITE", "overwrite", "boolean", "0",
      "replace an existing file at the report path that is not a wprof report"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(overwrite), 0, 0, NULL, NULL},
    {{"WPROF_START", "start", "manual|init", "manual",
      "manual: a window opens when the program calls wprof_start; init: at wprof_init (for programs "
      "that do not call wprof, e.g. under `wprof run`)"},
     "one of manual|init", parse_word, format_word, FIELD(start), 0, 0, wpr_start_words, NULL},
    {{"WPROF_STEP_RANGE", "step_range", "range name", "",
      "each NVTX or wprof range of this name that ends is one step (for programs that do not call wprof_step)"},
     "a range name of at most 255 bytes", parse_name, format_text, FIELD(step_range), 0,
     sizeof(((struct wpr_config *)0)->step_range), NULL, "off"},
    {{"WPROF_STEP_MPI", "step_mpi", "MPI function", "",
      "each call of this MPI function (e.g. MPI_Allreduce) is one step"},
     "an MPI function name like MPI_Allreduce", parse_name, format_text, FIELD(step_mpi), 1,
     sizeof(((struct wpr_config *)0)->step_mpi), NULL, "off"},
    {{"WPROF_RUN_PID", "run_pid", "integer >= 0", "0",
      "set by `wprof run`: the process it started, which profiles itself even without MPI; "
      "its child processes (same environment, other pid) do not"},
     "an integer >= 0", parse_int, format_int, FIELD(run_pid), 0, INT64_MAX, NULL, NULL},
    {{"WPROF_TIMELINE", "timeline", "boolean", "0",
      "record windows, ranges, lite scopes, MPI calls and GPU work as events in /timeline (rank 0's "
      "timebase) for `wprof trace` and `wprof plot --kind timeline`"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(timeline), 0, 0, NULL, NULL},
    {{"WPROF_TIMELINE_MAX_EVENTS", "timeline_max_events", "integer 1..1000000000", "1000000",
      "events kept per rank in /timeline; the rest are counted in /ranks.timeline_dropped"},
     "an integer in 1..1000000000", parse_int, format_int, FIELD(timeline_max_events), 1, 1000000000, NULL, NULL},
    {{"WPROF_STRAGGLER_MAX_EVENTS", "straggler_max_events", "integer 0..100000000", "100000",
      "collective calls per rank and window whose entry times are kept for /stragglers (32 bytes each, "
      "gathered at finalize); the rest are counted in /stragglers.dropped"},
     "an integer in 0..100000000", parse_int, format_int, FIELD(straggler_max_events), 0, 100000000, NULL, NULL},
    {{"WPROF_GATHER_MAX_MB", "gather_max_mb", "integer 1..1048576", "64",
      "bound on what rank 0 holds at once at finalize and at each WPROF_PRINT stop: the ranks' packed "
      "data (above it ranks are gathered in batches, each merged and freed before the next) and, at "
      "finalize, the merged rows (above it they "
      "are streamed into the report's datasets part by part)"},
     "an integer in 1..1048576", parse_int, format_int, FIELD(gather_max_mb), 1, 1048576, NULL, NULL},
    {{"WPROF_MEMORY", "memory", "boolean", "0",
      "trace GPU memory allocations and frees (cupti backend) into /memory"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(memory), 0, 0, NULL, NULL},
    {{"WPROF_STACKS", "stacks", "boolean", "0",
      "capture the host call stack at each kernel launch (and allocation) into /stacks"},
     "a boolean (1/0/on/off/true/false/yes/no)", parse_bool, format_bool, FIELD(stacks), 0, 0, NULL, NULL},
    {{"WPROF_PRINT", "print", "top:N", "",
      "rank 0 prints the cross-rank table (top N names) to stdout at every stop"},
     "top:N with N in 1..1000000", parse_print, format_print, FIELD(print_top), 1, 1000000, NULL, "off"},
    {{"WPROF_TABLE_DIR", "table_dir", "directory", "",
      "write DIR/profile_rank{R}_window{W}.txt, one text table per rank per window, at every stop"},
     "a directory path shorter than 4096 bytes", parse_name, format_text, FIELD(table_dir), 0,
     sizeof(((struct wpr_config *)0)->table_dir), NULL, "off"},
    {{"WPROF_CLOCK_TEST_OFFSET_NS", "clock_test_offset_ns", "signed integer", "0",
      "testing only: added to every clock reading of this process, to check that clock alignment "
      "removes it"},
     "an integer in -1000000000000..1000000000000", parse_int, format_int, FIELD(clock_test_offset_ns),
     -1000000000000LL, 1000000000000LL, NULL, NULL},
    {{"WPROF_META", "meta_user", "key=value list", "",
      "run metadata stored in the report's /meta group, e.g. team=infer,run=7 (keys [A-Za-z0-9_.-], "
      "values without commas); `wprof run --meta k=v` adds to it"},
     "a list key=value,... (keys of [A-Za-z0-9_.-], values without commas, < 1024 bytes)", parse_meta,
     format_text, FIELD(meta), 0, sizeof(((struct wpr_config *)0)->meta), NULL, "none"},
};

#define N_OPTIONS ((int)(sizeof options / sizeof options[0]))

static void *field_of(struct wpr_config *cfg, const struct option *opt) { return (char *)cfg + opt->offset; }
static const void *cfield_of(const struct wpr_config *cfg, const struct option *opt) {
  return (const char *)cfg + opt->offset;
}

/* ---- parsing ---- */

/* A whole-string base-10 integer: no sign games, no trailing bytes, no overflow. */
static int text_to_int64(const char *text, int64_t *out) {
  if (!*text || isspace((unsigned char)*text)) return -1;
  errno = 0;
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  if (errno == ERANGE || end == text || *end != '\0') return -1;
  *out = (int64_t)v;
  return 0;
}

static int parse_int(struct wpr_config *cfg, const struct option *opt, const char *text) {
  int64_t v;
  if (text_to_int64(text, &v) || v < opt->lo || v > opt->hi) return -1;
  *(int64_t *)field_of(cfg, opt) = v;
  return 0;
}

static int parse_path(struct wpr_config *cfg, const struct option *opt, const char *text) {
  size_t n = strlen(text);
  if (n == 0 || n >= WPR_PATH_MAX) return -1;
  memcpy(field_of(cfg, opt), text, n + 1);
  return 0;
}

static int parse_word(struct wpr_config *cfg, const struct option *opt, const char *text) {
  for (int i = 0; opt->words[i]; i++) {
    if (strcasecmp(text, opt->words[i]) == 0) {
      *(int *)field_of(cfg, opt) = i;
      return 0;
    }
  }
  return -1;
}

static int parse_bool(struct wpr_config *cfg, const struct option *opt, const char *text) {
  static const char *const yes[] = {"1", "on", "true", "yes"};
  static const char *const no[] = {"0", "off", "false", "no"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    int v = strcasecmp(text, yes[i]) == 0 ? 1 : strcasecmp(text, no[i]) == 0 ? 0 : -1;
    if (v >= 0) {
      *(int *)field_of(cfg, opt) = v;
      return 0;
    }
  }
  return -1;
}

/* One rank number of a span, at *p: digits only (no sign), within [0, INT32_MAX]. */
static int rank_number(const char **p, int32_t *out) {
  const char *s = *p;
  while (*s == ' ') s++;
  if (!isdigit((unsigned char)*s)) return -1;
  errno = 0;
  char *end = NULL;
  long long v = strtoll(s, &end, 10);
  if (errno == ERANGE || v > INT32_MAX) return -1;
  while (*end == ' ') end++;
  *out = (int32_t)v;
  *p = end;
  return 0;
}

/* "N" or "N-M" at *p, up to the next comma or the end. */
static int rank_span(const char **p, struct wpr_rank_span *span) {
  if (rank_number(p, &span->lo)) return -1;
  span->hi = span->lo;
  if (**p == '-') {
    (*p)++;
    if (rank_number(p, &span->hi) || span->hi < span->lo) return -1;
  }
  return (**p == ',' || **p == '\0') ? 0 : -1;
}

static int parse_ranks(struct wpr_config *cfg, const struct option *opt, const char *text) {
  struct wpr_rank_span spans[WPR_RANK_SPANS_MAX];
  int n = 0;
  size_t len = strlen(text);
  if (len >= sizeof cfg->ranks) return -1;
  for (const char *p = text; *p;) {
    if (n == WPR_RANK_SPANS_MAX || rank_span(&p, &spans[n])) return -1;
    n++;
    if (*p == ',' && *++p == '\0') return -1; /* a trailing comma is a typo, not "all" */
  }
  memcpy(cfg->ranks, text, len + 1);
  memcpy(cfg->rank_spans, spans, (size_t)n * sizeof spans[0]);
  cfg->n_rank_spans = n;
  return 0;
}

/* An optional name (empty: off) that fits its field; with opt->lo, an MPI function name. */
static int parse_name(struct wpr_config *cfg, const struct option *opt, const char *text) {
  size_t n = strlen(text);
  if (n >= (size_t)opt->hi) return -1;
  if (opt->lo && n > 0) {
    if (strncmp(text, "MPI_", 4) != 0 || n == 4) return -1;
    for (size_t i = 4; i < n; i++)
      if (!isalnum((unsigned char)text[i]) && text[i] != '_') return -1;
  }
  memcpy(field_of(cfg, opt), text, n + 1);
  return 0;
}

/* "top:N" (N within the option's bounds), or empty / "off" for no printing. */
static int parse_print(struct wpr_config *cfg, const struct option *opt, const char *text) {
  int64_t n = 0;
  if (*text && strcasecmp(text, "off") != 0) {
    if (strncasecmp(text, "top:", 4) != 0 || text_to_int64(text + 4, &n) || n < opt->lo || n > opt->hi)
      return -1;
  }
  *(int64_t *)field_of(cfg, opt) = n;
  return 0;
}

/* "k=v,k=v" (or empty): every key non-empty of [A-Za-z0-9_.-], every value free of commas, the
 * whole shorter than the field. runtime/report/meta.c splits it the same way. */
static int parse_meta(struct wpr_config *cfg, const struct option *opt, const char *text) {
  size_t n = strlen(text);
  if (n >= (size_t)opt->hi) return -1;
  for (const char *p = text; n > 0 && p;) {
    const char *key = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-') p++;
    if (p == key || *p != '=') return -1;
    p = strchr(p, ',');
    if (p) p++;
  }
  memcpy(field_of(cfg, opt), text, n + 1);
  return 0;
}

/* ---- formatting (the report's attributes) ---- */

static void format_int(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                       int *is_int, int64_t *ival) {
  int64_t v = *(const int64_t *)cfield_of(cfg, opt);
  snprintf(buf, len, "%" PRId64, v);
  *is_int = 1;
  *ival = v;
}

static void format_text(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival) {
  snprintf(buf, len, "%s", (const char *)cfield_of(cfg, opt));
}

static void format_word(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival) {
  int v = *(const int *)cfield_of(cfg, opt);
  int n = 0;
  while (opt->words[n]) n++;
  snprintf(buf, len, "%s", v >= 0 && v < n ? opt->words[v] : "?");
}

static void format_bool(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                        int *is_int, int64_t *ival) {
  int v = *(const int *)cfield_of(cfg, opt) != 0;
  snprintf(buf, len, "%d", v);
  *is_int = 1;
  *ival = v;
}

static void format_ranks(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                         int *is_int, int64_t *ival) {
  snprintf(buf, len, "%s", cfg->n_rank_spans ? cfg->ranks : "all");
}

static void format_print(const struct wpr_config *cfg, const struct option *opt, char *buf, size_t len,
                         int *is_int, int64_t *ival) {
  int64_t n = *(const int64_t *)cfield_of(cfg, opt);
  if (n > 0) snprintf(buf, len, "top:%" PRId64, n);
  else snprintf(buf, len, "off");
}

/* ---- the public face ---- */

void wpr_config_defaults(struct wpr_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  /* defaults go through the same parsers as the environment, so the table's text is the truth */
  for (int i = 0; i < N_OPTIONS; i++) options[i].parse(cfg, &options[i], options[i].info.default_text);
}

static void warn_malformed(const struct option *opt, const char *text) {
  const char *def = opt->info.default_text;
  if (*def)
    wpr_log(WPR_LOG_WARN, "%s=\"%.200s\" is not %s; using the default %s", opt->info.env, text, opt->expect, def);
  else
    wpr_log(WPR_LOG_WARN, "%s=\"%.200s\" is not %s; using the default \"\" (%s)", opt->info.env, text,
            opt->expect, opt->empty_means ? opt->empty_means : "unset");
}

int wpr_config_load(struct wpr_config *cfg, wpr_env_lookup lookup, void *ctx) {
  wpr_config_defaults(cfg);
  if (!lookup) return 0;
  int bad = 0;
  for (int i = 0; i < N_OPTIONS; i++) {
    const char *text = lookup(options[i].info.env, ctx);
    if (!text) continue;
    if (options[i].parse(cfg, &options[i], text)) {
      warn_malformed(&options[i], text);
      bad++;
    }
  }
  return bad;
}

/* The library's only getenv: everything else reads the parsed struct wpr_config. */
const char *wpr_env_getenv(const char *name, void *ctx) { return getenv(name); }

int wpr_config_rank_selected(const struct wpr_config *cfg, int rank) {
  if (cfg->n_rank_spans == 0) return 1;
  for (int i = 0; i < cfg->n_rank_spans; i++)
    if (rank >= cfg->rank_spans[i].lo && rank <= cfg->rank_spans[i].hi) return 1;
  return 0;
}

const char *wpr_backend_kind_name(int kind) {
  if (kind < 0 || kind >= (int)(sizeof wpr_backend_words / sizeof wpr_backend_words[0]) - 1) return "unknown";
  return wpr_backend_words[kind];
}

int wpr_option_count(void) { return N_OPTIONS; }

const struct wpr_option_info *wpr_option_at(int i) {
  return i >= 0 && i < N_OPTIONS ? &options[i].info : NULL;
}

void wpr_config_value(const struct wpr_config *cfg, int i, char *buf, size_t len, int *is_int, int64_t *ival) {
  int dummy_is_int;
  int64_t dummy_ival;
  if (!is_int) is_int = &dummy_is_int;
  if (!ival) ival = &dummy_ival;
  *is_int = 0;
  *ival = 0;
  if (len) buf[0] = '\0';
  if (i < 0 || i >= N_OPTIONS || !buf || !len) return;
  options[i].format(cfg, &options[i], buf, len, is_int, ival);
}

/* Table cells: a '|' would end the cell, so it is escaped (as in `auto\|cupti`). */
static void markdown_cell(FILE *out, const char *text) {
  for (; *text; text++) {
    if (*text == '|') fputc('\\', out);
    fputc(*text, out);
  }
}

void wpr_config_write_markdown(FILE *out) {
  fprintf(out, "| Variable | Default | Meaning |\n| --- | --- | --- |\n");
  for (int i = 0; i < N_OPTIONS; i++) {
    const struct wpr_option_info *o = &options[i].info;
    fprintf(out, "| `%s` | ", o->env);
    if (*o->default_text)
      fprintf(out, "`%s`", o->default_text);
    else
      fprintf(out, "(%s)", options[i].empty_means ? options[i].empty_means : "unset");
    fprintf(out, " | ");
    markdown_cell(out, o->doc);
    fprintf(out, " (");
    markdown_cell(out, o->type);
    fprintf(out, ") |\n");
  }
}
