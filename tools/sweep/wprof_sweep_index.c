/* `wprof sweep`: DIR/index.json, what ran so far (parameters, status, exit status, wall time).
 * Rewritten whole after every point through a temporary file and a rename, so a reader (or an
 * interrupted sweep) only ever sees a complete index. `wprof compare` reads this format. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wprof_cli.h"
#include "wprof_sweep.h"

static const char *status_word(enum sweep_status s) {
  return s == SWEEP_OK ? "ok" : s == SWEEP_TIMEOUT ? "timeout" : "failed";
}

static json_t *point_json(const struct sweep_opts *o, const struct sweep_point *p,
                          const struct sweep_result *r) {
  char name[32];
  json_t *settings = json_object();
  for (size_t v = 0; v < o->n_vars; v++)
    json_object_set_new(settings, o->vars[v].name, json_string(o->vars[v].values[p->value_idx[v]]));
  json_t *j = json_object();
  json_object_set_new(j, "id", json_integer((json_int_t)p->id));
  json_object_set_new(j, "np", json_integer(p->np));
  json_object_set_new(j, "settings", settings);
  snprintf(name, sizeof name, "p%03zu.h5", p->id);
  json_object_set_new(j, "report", json_string(name));
  json_object_set_new(j, "status", json_string(status_word(r->status)));
  json_object_set_new(j, "exit_status", json_integer(r->exit_status));
  if (r->signal) json_object_set_new(j, "signal", json_integer(r->signal));
  json_object_set_new(j, "wall_s", json_real(round(r->wall_s * 1000.0) / 1000.0));
  snprintf(name, sizeof name, "p%03zu.log", p->id);
  json_object_set_new(j, "log", json_string(name));
  return j;
}

static json_t *index_json(const struct sweep_opts *o, const struct sweep_point *points,
                          const struct sweep_result *results, size_t n) {
  json_t *command = json_array();
  for (int i = 0; i < o->n_app; i++) json_array_append_new(command, json_string(o->app[i]));
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(list, point_json(o, &points[i], &results[i]));
  json_t *root = json_object();
  json_object_set_new(root, "wprof_sweep", json_integer(1));
  json_object_set_new(root, "command", command);
  json_object_set_new(root, "points", list);
  return root;
}

int sweep_write_index(const char *dir, const struct sweep_opts *o, const struct sweep_point *points,
                      const struct sweep_result *results, size_t n) {
  size_t len = strlen(dir) + 32;
  char *tmp = malloc(len), *final = malloc(len);
  json_t *root = index_json(o, points, results, n);
  int rc = -1;
  if (tmp && final && root) {
    snprintf(tmp, len, "%s/.index.json.tmp", dir);
    snprintf(final, len, "%s/index.json", dir);
    FILE *f = fopen(tmp, "w");
    if (f) {
      int bad = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
      bad |= fputc('\n', f) == EOF;
      bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
      bad |= fclose(f) != 0;
      rc = bad ? -1 : rename(tmp, final);
      if (rc != 0) {
        wprof_error("sweep: cannot write %s: %s", final, strerror(errno));
        unlink(tmp);
      }
    } else {
      wprof_error("sweep: cannot write %s: %s", tmp, strerror(errno));
    }
  }
  json_decref(root);
  free(tmp);
  free(final);
  return rc;
}
