/* The option table: defaults, every option's good and malformed values (each malformed value gets one
 * warning naming the variable, the value and the default, which is kept), the env matrix (every
 * option with malformed, negative, huge and empty values), WPROF_RANKS spans and rank selection,
 * the report's attribute values and the docs' table. Warnings are read from fd 2. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "wptest_check.h"

/* ---- stderr capture: fd 2 goes to a temp file between begin and end ---- */

static int saved_fd2 = -1;
static FILE *capture_file;

static void capture_begin(void) {
  fflush(stderr);
  capture_file = tmpfile();
  saved_fd2 = dup(2);
  dup2(fileno(capture_file), 2);
}

static void capture_end(char *buf, size_t len) {
  fflush(stderr);
  dup2(saved_fd2, 2);
  close(saved_fd2);
  rewind(capture_file);
  size_t n = fread(buf, 1, len - 1, capture_file);
  buf[n] = '\0';
  fclose(capture_file);
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* ---- a fake environment ---- */

struct env { const char *name, *value; };

static const char *env_lookup(const char *name, void *ctx) {
  for (const struct env *e = ctx; e->name; e++)
    if (strcmp(e->name, name) == 0) return e->value;
  return NULL;
}

/* Loads one variable; returns the number of malformed values and leaves the warnings in `err`. */
static int load_one(struct wpr_config *cfg, const char *name, const char *value, char *err, size_t len) {
  struct env env[] = {{name, value}, {NULL, NULL}};
  capture_begin();
  int bad = wpr_config_load(cfg, env_lookup, env);
  capture_end(err, len);
  return bad;
}

static void check_defaults(void) {
  struct wpr_config c;
  char err[4096];
  struct env none[] = {{NULL, NULL}};
  capture_begin();
  int bad = wpr_config_load(&c, env_lookup, none);
  capture_end(err, sizeof err);
  EXPECT(bad == 0 && err[0] == '\0', "empty environment: bad=%d stderr=[%s]", bad, err);
  EXPECT(c.delay_iters == 0 && c.max_iters == 0, "delay/max defaults");
  EXPECT(strcmp(c.output, "wprof-report.h5") == 0, "output default %s", c.output);
  EXPECT(c.backend == WPR_BACKEND_AUTO && c.lite == 1, "backend/lite defaults");
  EXPECT(c.ranks[0] == '\0' && c.n_rank_spans == 0, "ranks default");
  EXPECT(c.sync_timeout_ms == 10000 && c.log_level == WPR_LOG_WARN, "sync/log defaults");
  EXPECT(c.spill_interval_ms == 10000, "open-window spill interval default %lld", (long long)c.spill_interval_ms);
}

struct good_int { const char *name, *value; size_t off; long long want; };

static void check_good_values(void) {
  struct wpr_config c;
  char err[4096];
  static const struct good_int ints[] = {
      {"WPROF_DELAY_ITERS", "5", offsetof(struct wpr_config, delay_iters), 5},
      {"WPROF_DELAY_ITERS", "0", offsetof(struct wpr_config, delay_iters), 0},
      {"WPROF_DELAY_ITERS", "9223372036854775807", offsetof(struct wpr_config, delay_iters), 9223372036854775807LL},
      {"WPROF_MAX_ITERS", "3", offsetof(struct wpr_config, max_iters), 3},
      {"WPROF_SYNC_TIMEOUT_MS", "1", offsetof(struct wpr_config, sync_timeout_ms), 1},
      {"WPROF_SYNC_TIMEOUT_MS", "3600000", offsetof(struct wpr_config, sync_timeout_ms), 3600000},
      {"WPROF_SPILL_INTERVAL_MS", "0", offsetof(struct wpr_config, spill_interval_ms), 0},
      {"WPROF_SPILL_INTERVAL_MS", "250", offsetof(struct wpr_config, spill_interval_ms), 250},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    int bad = load_one(&c, ints[i].name, ints[i].value, err, sizeof err);
    long long got = *(int64_t *)((char *)&c + ints[i].off);
    EXPECT(bad == 0 && got == ints[i].want && !err[0], "%s=%s: bad=%d got %lld", ints[i].name, ints[i].value, bad, got);
  }
  EXPECT(load_one(&c, "WPROF_OUTPUT", "/tmp/out dir/r.h5", err, sizeof err) == 0 &&
            strcmp(c.output, "/tmp/out dir/r.h5") == 0, "output path");
  static const char *const backends[] = {"auto", "cupti", "cuda-profiler-api", "host"};
  for (int k = 0; k < 4; k++) {
    EXPECT(load_one(&c, "WPROF_BACKEND", backends[k], err, sizeof err) == 0 && c.backend == k, "backend %s", backends[k]);
    EXPECT(strcmp(wpr_backend_kind_name(k), backends[k]) == 0, "kind name %d", k);
  }
  EXPECT(load_one(&c, "WPROF_BACKEND", "CUPTI", err, sizeof err) == 0 && c.backend == WPR_BACKEND_CUPTI, "backend case");
  static const struct { const char *text; int want; } bools[] = {
      {"1", 1}, {"0", 0}, {"on", 1}, {"OFF", 0}, {"true", 1}, {"False", 0}, {"yes", 1}, {"NO", 0}};
  for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
    EXPECT(load_one(&c, "WPROF_LITE", bools[i].text, err, sizeof err) == 0 && c.lite == bools[i].want, "lite %s",
           bools[i].text);
  static const char *const logs[] = {"error", "warn", "info", "debug"};
  for (int k = 0; k < 4; k++)
    EXPECT(load_one(&c, "WPROF_LOG", logs[k], err, sizeof err) == 0 && c.log_level == k, "log %s", logs[k]);
}

struct bad_value { const char *name, *value, *default_text; };

/* Every malformed value: one warning line naming the variable, the value and the default kept. */
static void check_malformed_values(void) {
  static const struct bad_value bad[] = {
      {"WPROF_DELAY_ITERS", "abc", "0"}, {"WPROF_DELAY_ITERS", "-1", "0"},
      {"WPROF_DELAY_ITERS", "1e99", "0"}, {"WPROF_DELAY_ITERS", "12x", "0"},
      {"WPROF_DELAY_ITERS", "", "0"}, {"WPROF_DELAY_ITERS", "99999999999999999999999", "0"},
      {"WPROF_DELAY_ITERS", " 5", "0"}, {"WPROF_DELAY_ITERS", "5 ", "0"}, {"WPROF_DELAY_ITERS", "0x10", "0"},
      {"WPROF_MAX_ITERS", "abc", "0"}, {"WPROF_MAX_ITERS", "-1", "0"}, {"WPROF_MAX_ITERS", "1e99", "0"},
      {"WPROF_MAX_ITERS", "12x", "0"}, {"WPROF_MAX_ITERS", "", "0"},
      {"WPROF_MAX_ITERS", "-99999999999999999999999", "0"},
      {"WPROF_SYNC_TIMEOUT_MS", "0", "10000"}, {"WPROF_SYNC_TIMEOUT_MS", "3600001", "10000"},
      {"WPROF_SYNC_TIMEOUT_MS", "-1", "10000"}, {"WPROF_SYNC_TIMEOUT_MS", "abc", "10000"},
      {"WPROF_SYNC_TIMEOUT_MS", "1e99", "10000"}, {"WPROF_SYNC_TIMEOUT_MS", "", "10000"},
      {"WPROF_OUTPUT", "", "wprof-report.h5"},
      {"WPROF_BACKEND", "gpu", "auto"}, {"WPROF_BACKEND", "", "auto"}, {"WPROF_BACKEND", "cupti2", "auto"},
      {"WPROF_LITE", "maybe", "1"}, {"WPROF_LITE", "", "1"}, {"WPROF_LITE", "2", "1"},
      {"WPROF_LOG", "verbose", "warn"}, {"WPROF_LOG", "", "warn"},
      {"WPROF_RANKS", "-1", "\"\""}, {"WPROF_RANKS", "a", "\"\""}, {"WPROF_RANKS", "3-1", "\"\""},
      {"WPROF_RANKS", "1,", "\"\""}, {"WPROF_RANKS", ",", "\"\""}, {"WPROF_RANKS", "1,,2", "\"\""},
      {"WPROF_RANKS", "1-", "\"\""}, {"WPROF_RANKS", "0-99999999999", "\"\""}, {"WPROF_RANKS", "4-5-6", "\"\""},
      {"WPROF_RANKS", "1x", "\"\""},
  };
  struct wpr_config def, c;
  wpr_config_defaults(&def);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[4096], want_var[512], want_def[128];
    int n = load_one(&c, bad[i].name, bad[i].value, err, sizeof err);
    snprintf(want_var, sizeof want_var, "%s=\"%s\"", bad[i].name, bad[i].value);
    snprintf(want_def, sizeof want_def, "using the default %s", bad[i].default_text);
    EXPECT(n == 1, "%s: %d malformed reported", want_var, n);
    EXPECT(count_lines(err) == 1 && strstr(err, "warning:") && strstr(err, want_var) && strstr(err, want_def),
           "%s: warning text [%s]", want_var, err);
    EXPECT(memcmp(&c, &def, sizeof c) == 0, "%s: the defaults were not kept", want_var);
  }
  char err[4096];
  EXPECT(load_one(&c, "WPROF_DELAY_ITERS", "abc", err, sizeof err) == 1 &&
            strstr(err, "WPROF_DELAY_ITERS=\"abc\" is not an integer >= 0; using the default 0"),
         "exact message [%s]", err);
}

/* ---- the env matrix: every option of the table, whatever its type, with malformed, negative, huge
 * and empty values: one warning each naming the variable, and every field keeps its default ---- */

#define HUGE_LEN (WPR_PATH_MAX + 100)

/* The bad values for an option of type `type` into out (NULL-terminated, the huge value last);
 * -1 when the type is unknown, so a new kind of option must be added here. "" is malformed for every
 * type but the rank list. */
static int bad_values_for(const char *type, const char *huge_text, const char **out, int cap) {
  static const char *const ints[] = {"abc", "-1", "-9223372036854775808", "1e99", "99999999999999999999999",
                                     "", " ", "1.5", "0x10", "12abc", "+-3", NULL};
  static const char *const bools[] = {"maybe", "-1", "2", "", "1e99", "99999999999999999999999", "o n", NULL};
  static const char *const words[] = {"nonsense", "-1", "", "1e99", "99999999999999999999999", "auto,host", NULL};
  static const char *const paths[] = {"", NULL};
  static const char *const ranks[] = {"-1", "abc", "1e99", "0-99999999999999999999", "5-2", ",", " - ", NULL};
  static const char *const range_names[] = {NULL}; /* any name will do, only not a huge one */
  static const char *const mpi_names[] = {"-1", "abc", "MPI_", "MPI_All reduce", "1e99", "99999999999999999999999", NULL};
  static const char *const signed_ints[] = {"abc", "-9223372036854775808", "1e99", "", " ", "1.5", "0x10", "+-3", NULL};
  static const char *const metas[] = {"team", "=x", "a=1,", "a=1,,b=2", "a b=1", "a=1,b", "k\xc3\xa9=v", NULL};
  static const char *const tops[] = {"top", "top:", "top:0", "top:-1", "bottom:3", "top:abc", "5", "top:1e99", NULL};
  const char *const *v = !strncmp(type, "integer", 7) ? ints : !strcmp(type, "signed integer") ? signed_ints
                       : !strcmp(type, "top:N") ? tops : !strcmp(type, "directory") ? range_names : !strcmp(type, "boolean") ? bools
                       : !strcmp(type, "path") ? paths : !strcmp(type, "rank list") ? ranks
                       : !strcmp(type, "range name") ? range_names : !strcmp(type, "MPI function") ? mpi_names
                       : !strcmp(type, "key=value list") ? metas
                       : strchr(type, '|') ? words : NULL;
  if (!v) return -1;
  int n = 0;
  for (; v[n] && n < cap - 2; n++) out[n] = v[n];
  out[n++] = huge_text; /* longer than any buffer of the parser */
  out[n] = NULL;
  return n;
}

static void check_env_matrix(void) {
  static char huge_digits[HUGE_LEN + 1], huge_path[HUGE_LEN + 1];
  memset(huge_digits, '9', HUGE_LEN);
  memset(huge_path, 'p', HUGE_LEN);
  struct wpr_config def, c;
  wpr_config_defaults(&def);
  int tried = 0;
  for (int i = 0; i < wpr_option_count(); i++) {
    const struct wpr_option_info *o = wpr_option_at(i);
    int textual = !strcmp(o->type, "path") || !strcmp(o->type, "rank list") || !strcmp(o->type, "range name") ||
                  !strcmp(o->type, "directory");
    const char *bad[32];
    int known = bad_values_for(o->type, textual ? huge_path : huge_digits, bad, 32) > 0;
    EXPECT(known, "%s: no malformed values known for type %s", o->env, o->type);
    for (int k = 0; known && bad[k]; k++, tried++) {
      char err[8192], want_var[300];
      int n = load_one(&c, o->env, bad[k], err, sizeof err);
      snprintf(want_var, sizeof want_var, "%s=\"%.40s", o->env, bad[k]);
      EXPECT(n == 1 && count_lines(err) == 1 && strstr(err, want_var) && strstr(err, "using the default"),
             "%s=\"%.40s\" (%zu bytes): %d warning(s) [%.300s]", o->env, bad[k], strlen(bad[k]), n, err);
      EXPECT(strlen(err) < 600, "%s: the warning stays one short line (%zu bytes)", o->env, strlen(err));
      EXPECT(memcmp(&c, &def, sizeof c) == 0, "%s=\"%.40s\": the defaults were not kept", o->env, bad[k]);
    }
  }
  EXPECT(tried >= 4 * wpr_option_count(), "env matrix covered %d values", tried);
}

static void check_several_malformed(void) {
  struct env env[] = {{"WPROF_DELAY_ITERS", "abc"}, {"WPROF_MAX_ITERS", "7"}, {"WPROF_LITE", "perhaps"},
                      {"WPROF_OUTPUT", "r.h5"}, {NULL, NULL}};
  struct wpr_config c;
  char err[4096];
  capture_begin();
  int bad = wpr_config_load(&c, env_lookup, env);
  capture_end(err, sizeof err);
  EXPECT(bad == 2 && count_lines(err) == 2, "two malformed: bad=%d [%s]", bad, err);
  EXPECT(c.delay_iters == 0 && c.max_iters == 7 && c.lite == 1 && strcmp(c.output, "r.h5") == 0,
         "good values next to malformed ones are kept");
}

static void check_ranks(void) {
  struct wpr_config c;
  char err[4096];
  EXPECT(load_one(&c, "WPROF_RANKS", "0,4-7", err, sizeof err) == 0 && c.n_rank_spans == 2, "0,4-7 parses");
  EXPECT(c.rank_spans[0].lo == 0 && c.rank_spans[0].hi == 0 && c.rank_spans[1].lo == 4 && c.rank_spans[1].hi == 7,
         "0,4-7 spans");
  static const int selected[] = {1, 0, 0, 0, 1, 1, 1, 1, 0, 0};
  for (int r = 0; r < 10; r++)
    EXPECT(wpr_config_rank_selected(&c, r) == selected[r], "rank %d selected under 0,4-7", r);
  EXPECT(load_one(&c, "WPROF_RANKS", "", err, sizeof err) == 0 && c.n_rank_spans == 0, "empty = all");
  EXPECT(wpr_config_rank_selected(&c, 0) && wpr_config_rank_selected(&c, 12345), "all ranks selected");
  EXPECT(load_one(&c, "WPROF_RANKS", " 3 , 5-5 ,9", err, sizeof err) == 0 && c.n_rank_spans == 3 &&
            wpr_config_rank_selected(&c, 5) && !wpr_config_rank_selected(&c, 4),
         "spaces around numbers");
  /* WPR_RANK_SPANS_MAX spans are accepted, one more is not */
  char list[1024] = "";
  for (int i = 0; i < WPR_RANK_SPANS_MAX; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i ? "," : "", 2 * i);
  EXPECT(load_one(&c, "WPROF_RANKS", list, err, sizeof err) == 0 && c.n_rank_spans == WPR_RANK_SPANS_MAX, "max spans");
  snprintf(list + strlen(list), sizeof list - strlen(list), ",%d", 1000);
  EXPECT(load_one(&c, "WPROF_RANKS", list, err, sizeof err) == 1 && c.n_rank_spans == 0, "too many spans");
}

static void check_table_and_values(void) {
  static const char *const attrs[] = {"delay_iters", "max_iters", "output", "backend_requested",
                                      "lite", "ranks", "sync_timeout_ms", "log", "cupti_library",
                                      "cupti_buffer_kb", "keep_spills", "spill_interval_ms", "overwrite", "start",
                                      "step_range", "step_mpi", "run_pid", "timeline",
                                      "timeline_max_events", "straggler_max_events", "gather_max_mb", "memory", "stacks", "print",
                                      "table_dir", "clock_test_offset_ns", "meta_user"};
  const int n_attrs = (int)(sizeof attrs / sizeof attrs[0]);
  EXPECT(wpr_option_count() == n_attrs, "%d options, got %d", n_attrs, wpr_option_count());
  for (int i = 0; i < wpr_option_count() && i < n_attrs; i++)
    EXPECT(strcmp(wpr_option_at(i)->attr, attrs[i]) == 0, "attr %d is %s", i, wpr_option_at(i)->attr);
  EXPECT(wpr_option_at(-1) == NULL && wpr_option_at(n_attrs) == NULL, "out of range option");

  struct env env[] = {{"WPROF_DELAY_ITERS", "4"}, {"WPROF_BACKEND", "host"}, {"WPROF_LITE", "off"},
                      {"WPROF_RANKS", "1-2"}, {NULL, NULL}};
  struct wpr_config c;
  wpr_config_load(&c, env_lookup, env);
  static const char *const want[] = {"4", "0", "wprof-report.h5", "host", "0", "1-2", "10000", "warn"};
  static const int want_int[] = {1, 1, 0, 0, 1, 0, 1, 0};
  for (int i = 0; i < 8; i++) {
    char buf[256];
    int is_int = -1;
    int64_t ival = -1;
    wpr_config_value(&c, i, buf, sizeof buf, &is_int, &ival);
    EXPECT(strcmp(buf, want[i]) == 0 && is_int == want_int[i], "value %s = %s (is_int %d)", attrs[i], buf, is_int);
    if (is_int) EXPECT(ival == strtoll(want[i], NULL, 10), "ival %s = %lld", attrs[i], (long long)ival);
  }
  char buf[64];
  wpr_config_defaults(&c);
  wpr_config_value(&c, 5, buf, sizeof buf, NULL, NULL);
  EXPECT(strcmp(buf, "all") == 0, "ranks default value %s", buf);
}

static void check_markdown(void) {
  char text[8192];
  FILE *f = tmpfile();
  wpr_config_write_markdown(f);
  rewind(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  EXPECT(strstr(text, "| Variable | Default | Meaning |") != NULL, "markdown header");
  for (int i = 0; i < wpr_option_count(); i++)
    EXPECT(strstr(text, wpr_option_at(i)->env) != NULL, "markdown lists %s", wpr_option_at(i)->env);
  EXPECT(count_lines(text) == 2 + wpr_option_count(), "one row per option");
}

static void check_getenv_lookup(void) {
  setenv("WPROF_DELAY_ITERS", "6", 1);
  struct wpr_config c;
  EXPECT(wpr_config_load(&c, wpr_env_getenv, NULL) == 0 && c.delay_iters == 6, "process environment");
  unsetenv("WPROF_DELAY_ITERS");
  EXPECT(wpr_env_getenv("WPROF_DELAY_ITERS", NULL) == NULL, "unset variable");
}

static void check_log_prefix(void) {
  char err[1024];
  capture_begin();
  wpr_log_set_rank(3);
  wpr_log(WPR_LOG_ERROR, "boom %d", 1);
  wpr_log(WPR_LOG_DEBUG, "hidden at the default level");
  static int once;
  wpr_warn_once(&once, "first");
  wpr_warn_once(&once, "second");
  wpr_log_set_rank(-1);
  capture_end(err, sizeof err);
  EXPECT(strcmp(err, "wprof[rank 3]: error: boom 1\nwprof[rank 3]: warning: first\n") == 0, "log lines [%s]", err);
}

/* WPROF_META: good lists are kept as given; the empty default means no user keys. */
static void check_meta(void) {
  struct wpr_config c;
  char err[4096];
  static const char *const good[] = {"team=infer,run=7", "a=", "k.x-y_z=v with spaces=and=equals", "x=1"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    EXPECT(load_one(&c, "WPROF_META", good[i], err, sizeof err) == 0 && strcmp(c.meta, good[i]) == 0,
           "WPROF_META=%s is kept (%s)", good[i], c.meta);
  wpr_config_defaults(&c);
  EXPECT(c.meta[0] == '\0', "WPROF_META defaults to empty");
}

int main(void) {
  check_meta();
  check_defaults();
  check_good_values();
  check_malformed_values();
  check_several_malformed();
  check_env_matrix();
  check_ranks();
  check_table_and_values();
  check_markdown();
  check_getenv_lookup();
  check_log_prefix();
  printf("config: %d failures\n", wptest_failures());
  return wptest_failures() ? 1 : 0;
}
