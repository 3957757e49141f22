/* Replays every line of the conformance vectors (tests/data/state_machine.tsv) through the public API
 * in a world of one with the host backend: wprof_start/step/stop for S/T/P and the runtime's shutdown
 * entry (the first step of wprof_finalize) for X, checking wprof_is_active/wprof_is_running after
 * each operation and the backend start/stop counts at the end of the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wprof/wprof.h>
#include "wprof_testing.h"

static int apply(char op) {
  switch (op) {
  case 'S': return wprof_start();
  case 'T': return wprof_step();
  case 'P': return wprof_stop();
  case 'X': return wprof__shutdown();
  default: return WPROF_EINVAL;
  }
}

/* One vector line: delay, max, ops, expected pairs, starts, stops. Returns failures. Each line's
 * session writes its own report (a process never replaces its own earlier report). */
static int replay(int lineno, char *line, const char *dir) {
  char report[4200];
  snprintf(report, sizeof report, "%s/report-%d.h5", dir, lineno);
  setenv("WPROF_OUTPUT", report, 1);
  char *fields[6];
  int n = 0;
  for (char *tok = strtok(line, "\t\n"); tok && n < 6; tok = strtok(NULL, "\t\n")) fields[n++] = tok;
  if (n != 6) { fprintf(stderr, "line %d: malformed vector\n", lineno); return 1; }
  setenv("WPROF_DELAY_ITERS", fields[0], 1);
  setenv("WPROF_MAX_ITERS", fields[1], 1);
  if (wprof_init() != WPROF_OK) { fprintf(stderr, "line %d: wprof_init failed\n", lineno); return 1; }
  const char *ops = fields[2], *expect = fields[3];
  int failures = 0;
  for (size_t i = 0; ops[i]; i++) {
    int rc = apply(ops[i]);
    char got[3] = {(char)('0' + wprof_is_active()), (char)('0' + wprof_is_running()), 0};
    const char *want = expect + 3 * i;
    if (rc != WPROF_OK || strncmp(got, want, 2) != 0) {
      fprintf(stderr, "line %d (delay %s max %s ops %s): after op %zu '%c' got %s want %.2s (rc %d)\n",
              lineno, fields[0], fields[1], ops, i + 1, ops[i], got, want, rc);
      failures++;
      break;
    }
  }
  int starts = -1, stops = -1;
  wprof__backend_counts(&starts, &stops);
  if (!failures && (starts != (int)strtol(fields[4], NULL, 10) || stops != (int)strtol(fields[5], NULL, 10))) {
    fprintf(stderr, "line %d (ops %s): backend starts/stops %d/%d, want %s/%s\n", lineno, ops, starts, stops,
            fields[4], fields[5]);
    failures++;
  }
  /* finalize shuts the window down and writes a report; the next line starts a fresh session */
  if (wprof_finalize() != WPROF_OK) { fprintf(stderr, "line %d: wprof_finalize failed\n", lineno); failures++; }
  unlink(report);
  return failures;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s state_machine.tsv\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 2; }
  char dir[] = "/tmp/wprof-replay-XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
  setenv("WPROF_BACKEND", "host", 1);
  char line[4096];
  int lineno = 0, vectors = 0, failures = 0;
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    vectors++;
    failures += replay(lineno, line, dir);
  }
  fclose(f);
  rmdir(dir);
  printf("%d vectors replayed, %d failed\n", vectors, failures);
  return failures || vectors == 0 ? 1 : 0;
}
