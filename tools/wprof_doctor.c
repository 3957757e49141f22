/* `wprof doctor FILE|DIR`: checks a report (or a spill directory) and says, one line per finding,
 * what a user should not trust. Exit 0: nothing worse than info; 1: a warning or an error; 2: the
 * input cannot be read. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wpio_spill.h"
#include "wprof_cli.h"
#include "wprof_doctor.h"

const char wprof_doctor_usage[] = "wprof doctor REPORT.h5|SPILL_DIR [--format text|json]";

static const char *const severity_names[] = {"info", "warning", "error"};

struct doctor {
  int json;
  int worst;        /* highest enum doc_severity found, -1: none */
  json_t *findings; /* JSON mode */
};

void doc_find(struct doctor *d, enum doc_severity sev, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if ((int)sev > d->worst) d->worst = (int)sev;
  if (!d->json) {
    printf("%s: %s\n", severity_names[sev], msg);
    return;
  }
  json_t *f = json_pack("{s:s, s:s}", "severity", severity_names[sev], "message", msg);
  if (f) json_array_append_new(d->findings, f);
}

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

int wprof_cmd_doctor(int argc, char **argv) {
  const char *path = NULL;
  struct doctor d = {0, -1, NULL};
  int rc = parse_args(argc, argv, &path, &d.json);
  if (rc) return rc;
  if (d.json && !(d.findings = json_array())) return WPROF_EXIT_FAIL;
  struct doc_input in;
  memset(&in, 0, sizeof in);
  wpio_job_init(&in.job);
  char err[2048] = "";
  struct stat st;
  int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
  rc = is_dir ? doc_read_spill_dir(&d, path, &in, err, sizeof err) : doc_read_report(path, &in, err, sizeof err);
  if (rc < 0) {
    doc_find(&d, DOC_ERROR, "%s", err);
  } else {
    doc_check_all(&d, &in);
    char spills[8192];
    if (!is_dir && wpio_spill_dir_of(path, spills, sizeof spills) == 0 && stat(spills, &st) == 0 &&
        S_ISDIR(st.st_mode))
      doc_find(&d, DOC_INFO, "spill directory %s is still there (WPROF_KEEP_SPILLS, or ranks the report lacks): "
               "`wprof doctor %s` checks it", spills, spills);
  }
  int status = rc < 0 ? WPROF_EXIT_USAGE : d.worst >= DOC_WARNING ? WPROF_EXIT_FAIL : WPROF_EXIT_OK;
  if (d.json) {
    json_t *root = json_pack("{s:s, s:s, s:o, s:i}", "path", path, "kind", is_dir ? "spill_dir" : "report",
                             "findings", d.findings, "exit", status);
    if (root) json_dumpf(root, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(root);
  }
  doc_input_free(&in);
  return status;
}
