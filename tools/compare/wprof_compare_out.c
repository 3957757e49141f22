/* `wprof compare`, in the reading child: runs grouped and sorted by rank count, the top names of each
 * group, their scaling points, and the text, CSV and JSON outputs. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_compare_out.h"
#include "wprof_draw.h"

#define NAME_COL 40

const char *wprof_run_setting(const struct wprof_run *r, const char *key) {
  for (size_t i = 0; i < r->nsettings; i++)
    if (r->settings[i].key && strcmp(r->settings[i].key, key) == 0) return r->settings[i].value;
  return NULL;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static long count_nodes(const struct wpio_job *job) {
  const char **h = malloc((job->ranks.n + 1) * sizeof *h);
  if (!h) return -1;
  size_t n = 0;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].hostname && job->ranks.v[i].hostname[0]) h[n++] = job->ranks.v[i].hostname;
  qsort(h, n, sizeof *h, str_cmp);
  long nodes = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp(h[i - 1], h[i]) != 0) nodes++;
  free(h);
  return nodes;
}

static long world_size(const struct wpio_job *job) {
  const struct wpio_attr *a = wpio_job_attr(job, "world_size");
  long v;
  if (a && a->is_int && a->ival > 0) return (long)a->ival;
  if (a && a->value && wprof_parse_long(a->value, 1, INT32_MAX, &v) == 0) return v;
  return job->ranks.n ? (long)job->ranks.n : 1;
}

/* A --group-by key's value for a run: the run metadata (/meta), else the report attribute, else the
 * sweep setting, else "-". */
static const char *key_value(const struct wprof_run *r, const struct wpio_job *job, const char *key) {
  char meta_key[256];
  snprintf(meta_key, sizeof meta_key, "%s%s", WPIO_META_PREFIX, key);
  const struct wpio_attr *a = wpio_job_attr(job, meta_key);
  if (!a) a = wpio_job_attr(job, key);
  const char *v = a ? a->value : wprof_run_setting(r, key);
  return v ? v : "-";
}

/* "key=value, ..." of the --group-by keys. */
static char *group_label(const struct wprof_compare *c, const struct wprof_run *r,
                         const struct wpio_job *job) {
  size_t cap = 1;
  for (size_t k = 0; k < c->nkeys; k++)
    cap += strlen(c->keys[k]) + strlen(key_value(r, job, c->keys[k])) + 3;
  char *s = malloc(cap);
  if (!s) return NULL;
  s[0] = '\0';
  for (size_t k = 0; k < c->nkeys; k++) {
    size_t len = strlen(s);
    snprintf(s + len, cap - len, "%s%s=%s", k ? ", " : "", c->keys[k], key_value(r, job, c->keys[k]));
  }
  return s;
}

static const struct wprof_compare *sort_ctx;

static int run_order(const void *a, const void *b) {
  const struct wprof_run *x = &sort_ctx->runs[*(const size_t *)a], *y = &sort_ctx->runs[*(const size_t *)b];
  if (x->np != y->np) return x->np < y->np ? -1 : 1;
  if (x->nodes != y->nodes) return x->nodes < y->nodes ? -1 : 1;
  return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int add_to_group(struct wprof_compare *c, char *label, size_t run, const struct wpio_job *job) {
  size_t g = 0;
  while (g < c->ngroups && strcmp(c->groups[g].label, label) != 0) g++;
  if (g == c->ngroups) {
    struct wprof_group *gs = realloc(c->groups, (c->ngroups + 1) * sizeof *gs);
    if (!gs) return -1;
    c->groups = gs;
    memset(&gs[g], 0, sizeof *gs);
    gs[g].label = label;
    gs[g].runs = calloc(c->nruns, sizeof *gs[g].runs);
    gs[g].values = calloc(c->nkeys + 1, sizeof *gs[g].values);
    c->ngroups++;
    if (!gs[g].runs || !gs[g].values) return -1;
    for (size_t k = 0; k < c->nkeys; k++) gs[g].values[k] = key_value(&c->runs[run], job, c->keys[k]);
  } else {
    free(label);
  }
  c->groups[g].runs[c->groups[g].n++] = run;
  c->runs[run].group = g;
  return 0;
}

struct scored { const char *name; double score; };

static int scored_by_name(const void *a, const void *b) {
  return strcmp(((const struct scored *)a)->name, ((const struct scored *)b)->name);
}

static int scored_by_score(const void *a, const void *b) {
  const struct scored *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* The group's names by the sum over its runs of the mean time per rank; the top ones are kept. */
static int pick_group_names(struct wprof_compare *c, struct wprof_group *g) {
  size_t n = 0;
  for (size_t k = 0; k < g->n; k++) n += c->runs[g->runs[k]].m.nnames;
  struct scored *s = malloc((n + 1) * sizeof *s);
  if (!s) return -1;
  n = 0;
  for (size_t k = 0; k < g->n; k++) {
    const struct wprof_run *r = &c->runs[g->runs[k]];
    for (size_t j = 0; j < r->m.nnames; j++)
      s[n++] = (struct scored){ r->m.raw[j], r->m.total[j] / (double)r->np };
  }
  qsort(s, n, sizeof *s, scored_by_name);
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    if (u && strcmp(s[u - 1].name, s[i].name) == 0) s[u - 1].score += s[i].score;
    else s[u++] = s[i];
  }
  qsort(s, u, sizeof *s, scored_by_score);
  g->nnames = c->top && c->top < u ? c->top : u;
  g->names = malloc((g->nnames + 1) * sizeof *g->names);
  for (size_t i = 0; g->names && i < g->nnames; i++) g->names[i] = s[i].name;
  free(s);
  return g->names ? 0 : -1;
}

/* Every run's matrix from one table and metric: the one asked for, or the first report's automatic
 * choice (mixing GPU and CPU time across runs would make the speed-ups meaningless). */
static int build_matrices(struct wprof_compare *c, const struct wpio_job *jobs, char *err, size_t len) {
  for (size_t i = 0; i < c->nruns; i++) {
    struct wprof_run *r = &c->runs[i];
    int table = i == 0 ? c->table : c->runs[0].m.table;
    int cuda = i == 0 ? -1 : c->runs[0].m.ranges_cuda;
    if (wprof_matrix_build(&jobs[i], table, cuda, 0, &r->m, err, len) < 0) {
      if (strcmp(err, "out of memory") == 0) return -1;
      /* no rows of that table in this run: its names are all absent (the build set the table) */
      if (!r->m.metric) r->m.metric = "time";
    }
    r->np = world_size(&jobs[i]);
    r->nodes = count_nodes(&jobs[i]);
    if (r->nodes < 0) return -1;
  }
  c->table = c->runs[0].m.table;
  c->metric = c->runs[0].m.metric ? c->runs[0].m.metric : "time";
  c->fallback = c->runs[0].m.fallback;
  return 0;
}

int wprof_compare_build(struct wprof_compare *c, const struct wpio_job *jobs, char *err, size_t len) {
  err[0] = '\0';
  if (build_matrices(c, jobs, err, len) < 0) {
    snprintf(err, len, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < c->nruns; i++) {
    char *label = group_label(c, &c->runs[i], &jobs[i]);
    if (!label || add_to_group(c, label, i, &jobs[i]) < 0) {
      snprintf(err, len, "out of memory");
      return -1;
    }
  }
  sort_ctx = c;
  for (size_t g = 0; g < c->ngroups; g++) {
    qsort(c->groups[g].runs, c->groups[g].n, sizeof *c->groups[g].runs, run_order);
    if (pick_group_names(c, &c->groups[g]) < 0) {
      snprintf(err, len, "out of memory");
      return -1;
    }
  }
  return 0;
}

static long column_of(const struct wprof_matrix *m, const char *raw) {
  for (size_t j = 0; j < m->nnames; j++)
    if (strcmp(m->raw[j], raw) == 0) return (long)j;
  return -1;
}

static void raw_point(const struct wprof_run *r, const char *raw, struct wprof_point *p) {
  long j = column_of(&r->m, raw);
  memset(p, 0, sizeof *p);
  if (j < 0) return;
  p->present = 1;
  p->mean_ns = r->m.total[j] / (double)r->np;
  p->max_ns = r->m.max[j];
  p->imbalance = p->mean_ns > 0 ? p->max_ns / p->mean_ns : NAN;
}

void wprof_compare_point(const struct wprof_compare *c, const struct wprof_group *g, size_t name,
                         size_t k, struct wprof_point *p) {
  const struct wprof_run *r = &c->runs[g->runs[k]], *base = &c->runs[g->runs[0]];
  struct wprof_point b;
  raw_point(r, g->names[name], p);
  raw_point(base, g->names[name], &b);
  p->speedup = p->present && b.present && p->mean_ns > 0 ? b.mean_ns / p->mean_ns : NAN;
  p->efficiency = isnan(p->speedup) ? NAN : p->speedup * (double)base->np / (double)r->np;
}

/* The display form of a name (demangled kernels), from the run that has it. */
static const char *shown_name(const struct wprof_compare *c, const struct wprof_group *g, size_t i) {
  for (size_t k = 0; k < g->n; k++) {
    const struct wprof_matrix *m = &c->runs[g->runs[k]].m;
    long j = column_of(m, g->names[i]);
    if (j >= 0) return m->names[j];
  }
  return g->names[i];
}

/* ---- text table ---- */

static void print_group_head(FILE *out, const struct wprof_compare *c, const struct wprof_group *g) {
  if (c->nkeys) fprintf(out, "\ngroup: %s\n", g->label);
  fprintf(out, "runs:");
  for (size_t k = 0; k < g->n; k++) {
    const struct wprof_run *r = &c->runs[g->runs[k]];
    fprintf(out, "%s np %ld on %ld node%s (%s)", k ? "," : "", r->np, r->nodes, r->nodes == 1 ? "" : "s",
            r->report);
  }
  fprintf(out, "\n%-*s %6s %5s %12s %12s %9s %11s %10s\n", NAME_COL, "name", "np", "nodes", "mean/rank",
          "max rank", "speed-up", "efficiency", "imbalance");
}

static void print_point_line(FILE *out, const char *name, const struct wprof_run *r,
                             const struct wprof_point *p) {
  char mean[32], max[32], sp[32], eff[32], imb[32];
  if (!p->present) {
    fprintf(out, "%-*s %6ld %5ld %12s\n", NAME_COL, name, r->np, r->nodes, "(absent)");
    return;
  }
  snprintf(sp, sizeof sp, isnan(p->speedup) ? "-" : "%.2fx", p->speedup);
  snprintf(eff, sizeof eff, isnan(p->efficiency) ? "-" : "%.1f%%", p->efficiency * 100);
  snprintf(imb, sizeof imb, isnan(p->imbalance) ? "-" : "%.2f", p->imbalance);
  fprintf(out, "%-*s %6ld %5ld %12s %12s %9s %11s %10s\n", NAME_COL, name, r->np, r->nodes,
          wprof_fmt_time(mean, sizeof mean, p->mean_ns), wprof_fmt_time(max, sizeof max, p->max_ns),
          sp, eff, imb);
}

int wprof_compare_print_table(FILE *out, const struct wprof_compare *c) {
  fprintf(out, "wprof compare: %zu report%s, %s %s%s; mean/rank = total over ranks / np\n", c->nruns,
          c->nruns == 1 ? "" : "s", wpio_table_name((enum wpio_table)c->table), c->metric,
          c->fallback ? " (no GPU data: fallback)" : "");
  for (size_t i = 0; i < c->nskips; i++)
    fprintf(out, "skipped: point %ld (%s): %s\n", c->skips[i].id,
            c->skips[i].report[0] ? c->skips[i].report : "no report", c->skips[i].why);
  for (size_t gi = 0; gi < c->ngroups; gi++) {
    const struct wprof_group *g = &c->groups[gi];
    print_group_head(out, c, g);
    for (size_t i = 0; i < g->nnames; i++) {
      char name[NAME_COL + 8];
      wprof_text_fit(name, sizeof name, shown_name(c, g, i), 1, NAME_COL * 0.6);
      for (size_t k = 0; k < g->n; k++) {
        struct wprof_point p;
        wprof_compare_point(c, g, i, k, &p);
        print_point_line(out, k ? "" : name, &c->runs[g->runs[k]], &p);
      }
    }
  }
  return ferror(out) ? -1 : 0;
}

/* ---- CSV ---- */

static void csv_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}

static void csv_num(FILE *out, double v) {
  if (isnan(v)) fputs(",", out);
  else fprintf(out, ",%.9g", v);
}

int wprof_compare_print_csv(FILE *out, const struct wprof_compare *c) {
  for (size_t i = 0; i < c->nskips; i++)
    fprintf(out, "# skipped: point %ld (%s): %s\n", c->skips[i].id, c->skips[i].report, c->skips[i].why);
  fputs("group,name,np,nodes,report,mean_ns,max_ns,speedup,efficiency,imbalance\n", out);
  for (size_t gi = 0; gi < c->ngroups; gi++) {
    const struct wprof_group *g = &c->groups[gi];
    for (size_t i = 0; i < g->nnames; i++)
      for (size_t k = 0; k < g->n; k++) {
        const struct wprof_run *r = &c->runs[g->runs[k]];
        struct wprof_point p;
        wprof_compare_point(c, g, i, k, &p);
        if (!p.present) continue;
        csv_str(out, g->label);
        fputc(',', out);
        csv_str(out, shown_name(c, g, i));
        fprintf(out, ",%ld,%ld,", r->np, r->nodes);
        csv_str(out, r->report);
        csv_num(out, p.mean_ns);
        csv_num(out, p.max_ns);
        csv_num(out, p.speedup);
        csv_num(out, p.efficiency);
        csv_num(out, p.imbalance);
        fputc('\n', out);
      }
  }
  return ferror(out) ? -1 : 0;
}

/* ---- JSON ---- */

static json_t *jstr(const char *s) {
  json_t *j = json_string(s ? s : "");
  return j ? j : json_string("?"); /* not UTF-8: jansson refuses it */
}

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *json_group(const struct wprof_compare *c, const struct wprof_group *g) {
  json_t *jg = json_object(), *runs = json_array(), *names = json_array(), *key = json_object();
  for (size_t k = 0; k < c->nkeys; k++) json_object_set_new(key, c->keys[k], jstr(g->values[k]));
  json_object_set_new(jg, "label", jstr(g->label));
  for (size_t k = 0; k < g->n; k++) {
    const struct wprof_run *r = &c->runs[g->runs[k]];
    json_t *jr = json_object(), *set = json_object();
    for (size_t s = 0; s < r->nsettings; s++)
      json_object_set_new(set, r->settings[s].key, jstr(r->settings[s].value));
    json_object_set_new(jr, "report", jstr(r->report));
    json_object_set_new(jr, "id", json_integer(r->id));
    json_object_set_new(jr, "np", json_integer(r->np));
    json_object_set_new(jr, "nodes", json_integer(r->nodes));
    json_object_set_new(jr, "settings", set);
    json_array_append_new(runs, jr);
  }
  for (size_t i = 0; i < g->nnames; i++) {
    json_t *jn = json_object(), *pts = json_array();
    json_object_set_new(jn, "name", jstr(shown_name(c, g, i)));
    for (size_t k = 0; k < g->n; k++) {
      const struct wprof_run *r = &c->runs[g->runs[k]];
      struct wprof_point p;
      wprof_compare_point(c, g, i, k, &p);
      if (!p.present) continue;
      json_t *jp = json_object();
      json_object_set_new(jp, "np", json_integer(r->np));
      json_object_set_new(jp, "nodes", json_integer(r->nodes));
      json_object_set_new(jp, "report", jstr(r->report));
      json_object_set_new(jp, "mean_ns", jnum(p.mean_ns));
      json_object_set_new(jp, "max_ns", jnum(p.max_ns));
      json_object_set_new(jp, "speedup", jnum(p.speedup));
      json_object_set_new(jp, "efficiency", jnum(p.efficiency));
      json_object_set_new(jp, "imbalance", jnum(p.imbalance));
      json_array_append_new(pts, jp);
    }
    json_object_set_new(jn, "points", pts);
    json_array_append_new(names, jn);
  }
  json_object_set_new(jg, "key", key);
  json_object_set_new(jg, "runs", runs);
  json_object_set_new(jg, "names", names);
  return jg;
}

int wprof_compare_print_json(FILE *out, const struct wprof_compare *c) {
  json_t *root = json_object(), *skips = json_array(), *groups = json_array(), *keys = json_array();
  json_object_set_new(root, "table", jstr(wpio_table_name((enum wpio_table)c->table)));
  json_object_set_new(root, "metric", jstr(c->metric));
  json_object_set_new(root, "fallback", json_boolean(c->fallback));
  for (size_t k = 0; k < c->nkeys; k++) json_array_append_new(keys, jstr(c->keys[k]));
  json_object_set_new(root, "group_by", keys);
  for (size_t i = 0; i < c->nskips; i++) {
    json_t *s = json_object();
    json_object_set_new(s, "id", json_integer(c->skips[i].id));
    json_object_set_new(s, "report", jstr(c->skips[i].report));
    json_object_set_new(s, "reason", jstr(c->skips[i].why));
    json_array_append_new(skips, s);
  }
  json_object_set_new(root, "skipped", skips);
  for (size_t g = 0; g < c->ngroups; g++) json_array_append_new(groups, json_group(c, &c->groups[g]));
  json_object_set_new(root, "groups", groups);
  int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
  fputc('\n', out);
  json_decref(root);
  return rc < 0 || ferror(out) ? -1 : 0;
}
