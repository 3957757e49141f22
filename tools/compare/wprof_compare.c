/* `wprof compare DIR|FILES...`: a scaling table per name over the reports of a sweep (time vs rank
 * count, speed-up, parallel efficiency, imbalance), grouped by report attributes or sweep settings,
 * and a log-log scaling chart. This file reads the inputs: report files, or a `wprof sweep` directory
 * (DIR/index.json; failed points and missing reports are listed and skipped). */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wprof_compare_chart.h"
#include "wprof_compare_out.h"

const char wprof_compare_usage[] =
    "wprof compare DIR|FILES... [--group-by KEY,...] [--table auto|kernels|ranges|lite|mpi] "
    "[--top N] [--format table|csv|json] [-o SCALING.svg|png]";

enum out_kind { OUT_TABLE, OUT_CSV, OUT_JSON };

struct compare_args {
  struct wprof_compare c;
  enum out_kind out;
  const char *chart;
  const char **inputs;
  size_t ninputs;
};

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s/%s", dir, name);
  return s;
}

static int add_run(struct wprof_compare *c, char *report, long id) {
  struct wprof_run *r = realloc(c->runs, (c->nruns + 1) * sizeof *r);
  if (!r) return -1;
  c->runs = r;
  memset(&r[c->nruns], 0, sizeof *r);
  r[c->nruns].report = report;
  r[c->nruns++].id = id;
  return 0;
}

static int add_skip(struct wprof_compare *c, long id, const char *report, const char *why) {
  struct wprof_skip *s = realloc(c->skips, (c->nskips + 1) * sizeof *s);
  if (!s) return -1;
  c->skips = s;
  s[c->nskips].id = id;
  s[c->nskips].report = strdup(report ? report : "");
  s[c->nskips++].why = strdup(why);
  return 0;
}

/* The "settings" object of a point, as strings (numbers printed as they are in the JSON). */
static int read_settings(struct wprof_run *r, json_t *settings) {
  if (!json_is_object(settings)) return 0;
  r->settings = calloc(json_object_size(settings) + 1, sizeof *r->settings);
  if (!r->settings) return -1;
  const char *key;
  json_t *v;
  json_object_foreach(settings, key, v) {
    char *text = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
    r->settings[r->nsettings].key = strdup(key);
    r->settings[r->nsettings++].value = text;
  }
  return 0;
}

/* One point of the sweep index: a run when its report is there and it succeeded, else a skip. */
static int read_point(struct wprof_compare *c, const char *dir, json_t *p, size_t i) {
  json_t *jid = json_object_get(p, "id"), *jrep = json_object_get(p, "report");
  const char *status = json_string_value(json_object_get(p, "status"));
  long id = json_is_integer(jid) ? (long)json_integer_value(jid) : (long)i;
  const char *rep = json_string_value(jrep);
  if (!status || strcmp(status, "ok") != 0) {
    char why[128];
    json_t *es = json_object_get(p, "exit_status"), *sig = json_object_get(p, "signal");
    if (json_is_integer(sig))
      snprintf(why, sizeof why, "status %s (signal %lld)", status ? status : "unknown",
               (long long)json_integer_value(sig));
    else if (json_is_integer(es))
      snprintf(why, sizeof why, "status %s (exit status %lld)", status ? status : "unknown",
               (long long)json_integer_value(es));
    else
      snprintf(why, sizeof why, "status %s", status ? status : "unknown");
    return add_skip(c, id, rep, why);
  }
  if (!rep) return add_skip(c, id, NULL, "no report in the index");
  char *path = rep[0] == '/' ? strdup(rep) : join(dir, rep);
  if (!path) return -1;
  if (!is_file(path)) {
    int rc = add_skip(c, id, path, "the report file is missing");
    free(path);
    return rc;
  }
  if (add_run(c, path, id) < 0) return -1;
  return read_settings(&c->runs[c->nruns - 1], json_object_get(p, "settings"));
}

static int read_index(struct wprof_compare *c, const char *dir, const char *index) {
  json_error_t jerr;
  json_t *root = json_load_file(index, 0, &jerr);
  if (!root) {
    wprof_error("%s: not a sweep index (line %d: %s)", index, jerr.line, jerr.text);
    return WPROF_EXIT_USAGE;
  }
  json_t *points = json_object_get(root, "points");
  if (!json_is_integer(json_object_get(root, "wprof_sweep")) || !json_is_array(points)) {
    json_decref(root);
    wprof_error("%s: not a sweep index (no \"wprof_sweep\" version or \"points\" array)", index);
    return WPROF_EXIT_USAGE;
  }
  int rc = 0;
  for (size_t i = 0; i < json_array_size(points) && rc == 0; i++)
    rc = read_point(c, dir, json_array_get(points, i), i);
  json_decref(root);
  if (rc < 0) wprof_error("out of memory");
  return rc < 0 ? WPROF_EXIT_FAIL : 0;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory without index.json: its *.h5 files, by name. */
static int read_dir(struct wprof_compare *c, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    wprof_error("%s: cannot open the directory", dir);
    return WPROF_EXIT_USAGE;
  }
  size_t first = c->nruns;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcasecmp(e->d_name + n - 3, ".h5") != 0) continue;
    char *p = join(dir, e->d_name);
    rc = p ? add_run(c, p, (long)c->nruns) : -1;
  }
  closedir(d);
  if (rc < 0) return WPROF_EXIT_FAIL;
  char **paths = malloc((c->nruns - first + 1) * sizeof *paths);
  if (!paths) return WPROF_EXIT_FAIL;
  for (size_t i = first; i < c->nruns; i++) paths[i - first] = c->runs[i].report;
  qsort(paths, c->nruns - first, sizeof *paths, name_cmp);
  for (size_t i = first; i < c->nruns; i++) c->runs[i].report = paths[i - first];
  free(paths);
  return 0;
}

static int read_inputs(struct compare_args *a) {
  for (size_t i = 0; i < a->ninputs; i++) {
    const char *in = a->inputs[i];
    int rc = 0;
    if (is_dir(in)) {
      char *index = join(in, "index.json");
      if (!index) return WPROF_EXIT_FAIL;
      rc = is_file(index) ? read_index(&a->c, in, index) : read_dir(&a->c, in);
      free(index);
    } else if (is_file(in)) {
      char *p = strdup(in);
      rc = p && add_run(&a->c, p, (long)a->c.nruns) == 0 ? 0 : WPROF_EXIT_FAIL;
    } else {
      wprof_error("%s: no such report or directory", in);
      rc = WPROF_EXIT_USAGE;
    }
    if (rc) return rc;
  }
  if (a->c.nruns == 0) {
    wprof_error("no report to compare%s", a->c.nskips ? " (every point of the sweep was skipped)" : "");
    return WPROF_EXIT_USAGE;
  }
  return 0;
}

static int set_group_by(struct wprof_compare *c, const char *v) {
  char *copy = strdup(v), *save = NULL;
  if (!copy) return -1;
  for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
    char **keys = realloc(c->keys, (c->nkeys + 1) * sizeof *keys);
    if (keys) c->keys = keys;
    if (!keys || !(keys[c->nkeys] = strdup(k))) {
      free(copy);
      return -1;
    }
    c->nkeys++;
  }
  free(copy);
  return c->nkeys ? 0 : -1;
}

static int parse_option(struct compare_args *a, const char *name, const char *v) {
  long n;
  size_t len = v ? strlen(v) : 0;
  if (!v) return wprof_usage_error(wprof_compare_usage, "%s needs a value", name);
  if (strcmp(name, "--group-by") == 0) {
    if (set_group_by(&a->c, v) < 0)
      return wprof_usage_error(wprof_compare_usage, "--group-by %s: want KEY[,KEY...]", v);
  } else if (strcmp(name, "--table") == 0) {
    if ((a->c.table = wprof_table_parse(v)) == -2)
      return wprof_usage_error(wprof_compare_usage, "--table %s: use auto, kernels, ranges, lite or mpi", v);
  } else if (strcmp(name, "--top") == 0) {
    if (wprof_parse_long(v, 1, 100000, &n) < 0)
      return wprof_usage_error(wprof_compare_usage, "--top %s is not a name count from 1", v);
    a->c.top = (size_t)n;
  } else if (strcmp(name, "--format") == 0) {
    if (strcmp(v, "table") == 0) a->out = OUT_TABLE;
    else if (strcmp(v, "csv") == 0) a->out = OUT_CSV;
    else if (strcmp(v, "json") == 0) a->out = OUT_JSON;
    else return wprof_usage_error(wprof_compare_usage, "--format %s: use table, csv or json", v);
  } else {
    if (len < 5 || (strcasecmp(v + len - 4, ".svg") != 0 && strcasecmp(v + len - 4, ".png") != 0))
      return wprof_usage_error(wprof_compare_usage, "-o %s: the chart must end in .svg or .png", v);
    a->chart = v;
  }
  return 0;
}

static int parse_args(int argc, char **argv, struct compare_args *a) {
  static const char *const opts[] = { "--group-by", "--table", "--top", "--format", "--output", "-o" };
  a->c.table = WPROF_TABLE_AUTO;
  a->c.top = 10;
  a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
  if (!a->inputs) return WPROF_EXIT_FAIL;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-' || arg[1] == '\0') {
      a->inputs[a->ninputs++] = arg;
      continue;
    }
    size_t len = 0;
    int k = wprof_option_index(arg, opts, sizeof(opts) / sizeof(opts[0]), &len);
    if (k < 0) return wprof_usage_error(wprof_compare_usage, "unknown option '%s'", arg);
    int rc = parse_option(a, opts[k], wprof_option_value(argc, argv, &i, arg, len));
    if (rc) return rc;
  }
  if (a->ninputs == 0) return wprof_usage_error(wprof_compare_usage, "no reports or sweep directory given");
  return 0;
}

static int draw_chart(const struct compare_args *a) {
  struct wprof_draw d;
  if (wprof_draw_open(&d, a->chart) < 0) {
    wprof_error("%s", d.err);
    return WPROF_EXIT_FAIL;
  }
  int rc = wprof_compare_chart(&d, &a->c);
  if (wprof_draw_finish(&d) < 0 || rc < 0) {
    wprof_error("%s", d.err[0] ? d.err : "cannot draw the chart");
    return WPROF_EXIT_FAIL;
  }
  return WPROF_EXIT_OK;
}

/* Runs in the reading child, with every report in memory. */
static int compare_reports(const struct wpio_job *jobs, const char *const *paths, size_t n, void *ctx) {
  (void)paths;
  (void)n;
  struct compare_args *a = ctx;
  char err[512];
  if (wprof_compare_build(&a->c, jobs, err, sizeof err) < 0) {
    wprof_error("%s", err);
    return WPROF_EXIT_USAGE;
  }
  int rc = a->out == OUT_JSON  ? wprof_compare_print_json(stdout, &a->c)
           : a->out == OUT_CSV ? wprof_compare_print_csv(stdout, &a->c)
                               : wprof_compare_print_table(stdout, &a->c);
  if (rc < 0) return WPROF_EXIT_FAIL;
  return a->chart ? draw_chart(a) : WPROF_EXIT_OK;
}

/* What the parent allocated (the child's matrices and groups end with its _exit). */
static void compare_free(struct compare_args *a) {
  struct wprof_compare *c = &a->c;
  for (size_t i = 0; i < c->nruns; i++) {
    for (size_t k = 0; k < c->runs[i].nsettings; k++) {
      free(c->runs[i].settings[k].key);
      free(c->runs[i].settings[k].value);
    }
    free(c->runs[i].settings);
    free(c->runs[i].report);
  }
  for (size_t i = 0; i < c->nskips; i++) {
    free(c->skips[i].report);
    free(c->skips[i].why);
  }
  for (size_t i = 0; i < c->nkeys; i++) free(c->keys[i]);
  free(c->runs);
  free(c->skips);
  free(c->keys);
  free(a->inputs);
}

int wprof_cmd_compare(int argc, char **argv) {
  struct compare_args a;
  memset(&a, 0, sizeof a);
  int rc = parse_args(argc, argv, &a);
  if (rc == 0) rc = read_inputs(&a);
  for (size_t i = 0; rc == 0 && i < a.c.nskips; i++)
    fprintf(stderr, "wprof: compare: skipping point %ld (%s): %s\n", a.c.skips[i].id,
            a.c.skips[i].report[0] ? a.c.skips[i].report : "no report", a.c.skips[i].why);
  const char **paths = rc == 0 ? calloc(a.c.nruns, sizeof *paths) : NULL;
  if (rc == 0 && !paths) rc = WPROF_EXIT_FAIL;
  for (size_t i = 0; rc == 0 && i < a.c.nruns; i++) paths[i] = a.c.runs[i].report;
  if (rc == 0) rc = wprof_with_reports(paths, a.c.nruns, compare_reports, &a);
  free(paths);
  compare_free(&a);
  return rc;
}
