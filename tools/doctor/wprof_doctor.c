/* `wprof doctor FILE|DIR`: checks a report (or a spill directory) and says, one line per finding,
 * what a user should not trust. Exit 0: nothing worse than info; 1: a warning or an error; 2: the
 * input cannot be read. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wpio_spill.h"
#include "wprof_cli.h"
#include "wprof_doctor_checks.h"
#include "wprof_doctor_findings.h"
#include "wprof_doctor_input.h"

const char wprof_doctor_usage[] = "wprof doctor REPORT.h5|SPILL_DIR [--format text|json]";

static int parse_args(int argc, char **argv, const char **path, int *json) {
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    static const char *const opts[] = {"--format"};
    size_t len = 0;
    if (wprof_option_index(s, opts, 1, &len) == 0) {
      const char *v = wprof_option_value(argc, argv, &i, s, len);
      if (!v || (strcmp(v, "json") != 0 && strcmp(v, "text") != 0))
        return wprof_usage_error(wprof_doctor_usage, "--format needs text or json");
      *json = strcmp(v, "json") == 0;
    } else if (s[0] == '-' && s[1]) {
      return wprof_usage_error(wprof_doctor_usage, "unknown option %s", s);
    } else if (!*path) {
      *path = s;
    } else {
      return wprof_usage_error(wprof_doctor_usage, "one report or spill directory only (got %s too)", s);
    }
  }
  if (!*path) return wprof_usage_error(wprof_doctor_usage, "no report or spill directory given");
  return 0;
}

/* What the guarded child reads and checks (wprof_guarded: libhdf5 may crash or hang on a damaged
 * report, the very file a user brings to doctor). */
struct doctor_run {
  struct doctor d;
  const char *path;
  int is_dir;
  struct doc_input in;
  int read_rc;
  char err[2048];
};

/* Reading problems are findings (exit 2 with the JSON document too), so this step never fails. */
static int doctor_read(void *ctx, char *err, size_t errlen) {
  struct doctor_run *r = ctx;
  r->read_rc = r->is_dir ? doc_read_spill_dir(&r->d, r->path, &r->in, r->err, sizeof r->err)
                         : doc_read_report(r->path, &r->in, r->err, sizeof r->err);
  return 0;
}

static int doctor_check(void *ctx) {
  struct doctor_run *r = ctx;
  struct doctor *d = &r->d;
  struct stat st;
  if (r->read_rc < 0) {
    doc_find(d, DOC_ERROR, "%s", r->err);
  } else {
    doc_check_all(d, &r->in);
    char spills[8192];
    if (!r->is_dir && wpio_spill_dir_of(r->path, spills, sizeof spills) == 0 && stat(spills, &st) == 0 &&
        S_ISDIR(st.st_mode))
      doc_find(d, DOC_INFO, "spill directory %s is still there (WPROF_KEEP_SPILLS, or ranks the report lacks): "
               "`wprof doctor %s` checks it", spills, spills);
  }
  int status = r->read_rc < 0 ? WPROF_EXIT_USAGE : d->worst >= DOC_WARNING ? WPROF_EXIT_FAIL : WPROF_EXIT_OK;
  if (d->json) {
    json_t *root = json_pack("{s:s, s:s, s:o, s:i}", "path", r->path, "kind", r->is_dir ? "spill_dir" : "report",
                             "findings", d->findings, "exit", status);
    if (root) json_dumpf(root, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(root);
  }
  doc_input_free(&r->in);
  return status;
}

int wprof_cmd_doctor(int argc, char **argv) {
  static struct doctor_run r; /* static: large, and the child uses it until it exits */
  memset(&r, 0, sizeof r);
  r.d.worst = -1;
  int rc = parse_args(argc, argv, &r.path, &r.d.json);
  if (rc) return rc;
  if (r.d.json && !(r.d.findings = json_array())) return WPROF_EXIT_FAIL;
  wpio_job_init(&r.in.job);
  struct stat st;
  r.is_dir = stat(r.path, &st) == 0 && S_ISDIR(st.st_mode);
  return wprof_guarded(r.path, doctor_read, doctor_check, &r);
}
