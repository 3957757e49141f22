/* Replays every line of tests/data/state_machine.tsv through the pure state machine (no MPI, no
 * backend), then checks docs/design.md's definition of a window's `steps`. Usage: test_rt_state_machine TSV */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_machine.h"
#include "wptest_check.h"

struct vector {
  long long delay, max;
  char ops[256];
  char expect[256][3];  /* "10" = active, not running */
  int n_expect;
  int starts, stops;
};

static int op_event(char op, enum wpr_sm_event *ev) {
  switch (op) {
  case 'S': *ev = WPR_SM_START; return 0;
  case 'T': *ev = WPR_SM_STEP; return 0;
  case 'P': *ev = WPR_SM_STOP; return 0;
  case 'X': *ev = WPR_SM_SHUTDOWN; return 0;
  default: return -1;
  }
}

/* One TSV line: delay, max, ops, expected pairs (space separated), starts, stops; tab separated. */
static int parse_vector(char *line, struct vector *v) {
  char *cols[6];
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(line, "\t\n", &save); tok && n < 6; tok = strtok_r(NULL, "\t\n", &save))
    cols[n++] = tok;
  if (n != 6 || strlen(cols[2]) >= sizeof v->ops) return -1;
  v->delay = strtoll(cols[0], NULL, 10);
  v->max = strtoll(cols[1], NULL, 10);
  strcpy(v->ops, cols[2]);
  v->n_expect = 0;
  for (char *save = NULL, *tok = strtok_r(cols[3], " ", &save); tok && v->n_expect < 256; tok = strtok_r(NULL, " ", &save))
    snprintf(v->expect[v->n_expect++], 3, "%s", tok);
  v->starts = (int)strtol(cols[4], NULL, 10);
  v->stops = (int)strtol(cols[5], NULL, 10);
  return v->n_expect == (int)strlen(v->ops) ? 0 : -1;
}

static void replay(const struct vector *v, int lineno) {
  struct wpr_sm sm;
  wpr_sm_init(&sm);
  int starts = 0, stops = 0;
  for (int i = 0; v->ops[i]; i++) {
    enum wpr_sm_event ev;
    if (op_event(v->ops[i], &ev)) {
      EXPECT(0, "line %d: unknown op %c", lineno, v->ops[i]);
      return;
    }
    unsigned act = wpr_sm_apply(&sm, v->delay, v->max, ev);
    starts += (act & WPR_SM_BACKEND_START) != 0;
    stops += (act & WPR_SM_BACKEND_STOP) != 0;
    char got[3] = {(char)('0' + sm.active), (char)('0' + sm.running), 0};
    EXPECT(strcmp(got, v->expect[i]) == 0, "line %d (delay %lld max %lld %s): after op %d (%c) got %s want %s",
           lineno, v->delay, v->max, v->ops, i + 1, v->ops[i], got, v->expect[i]);
  }
  EXPECT(starts == v->starts && stops == v->stops, "line %d: backend starts/stops %d/%d, want %d/%d", lineno,
         starts, stops, v->starts, v->stops);
}

static int replay_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "FAIL cannot open %s\n", path);
    return -1;
  }
  char line[4096];
  int lineno = 0, vectors = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    struct vector v;
    if (parse_vector(line, &v)) {
      EXPECT(0, "line %d: malformed vector", lineno);
      continue;
    }
    replay(&v, lineno);
    vectors++;
  }
  fclose(f);
  return vectors;
}

/* Opens a window with start() then steps until the max closes it; returns the closed window's steps. */
static long long window_steps(long long delay, long long max) {
  struct wpr_sm sm;
  wpr_sm_init(&sm);
  wpr_sm_apply(&sm, delay, max, WPR_SM_START);
  for (int i = 0; i < 100; i++) {
    if (wpr_sm_apply(&sm, delay, max, WPR_SM_STEP) & WPR_SM_BACKEND_STOP) return sm.closed_steps;
  }
  return -1;
}

static void check_steps_definition(void) {
  EXPECT(window_steps(2, 3) == 3, "delay 2 / max 3: steps %lld, want 3", window_steps(2, 3));
  EXPECT(window_steps(0, 3) == 4, "delay 0 / max 3: steps %lld, want 4", window_steps(0, 3));
  EXPECT(window_steps(1, 1) == 1, "delay 1 / max 1: steps %lld, want 1", window_steps(1, 1));

  /* an explicit stop() reports the steps made so far: start, 5 steps, stop */
  struct wpr_sm sm;
  wpr_sm_init(&sm);
  wpr_sm_apply(&sm, 2, 0, WPR_SM_START);
  for (int i = 0; i < 5; i++) wpr_sm_apply(&sm, 2, 0, WPR_SM_STEP);
  EXPECT(wpr_sm_window_steps(&sm, 2) == 3, "delay 2, 5 steps: running steps %lld, want 3",
         (long long)wpr_sm_window_steps(&sm, 2));
  unsigned act = wpr_sm_apply(&sm, 2, 0, WPR_SM_STOP);
  EXPECT(act == WPR_SM_BACKEND_STOP && sm.closed_steps == 3, "stop: actions %u closed_steps %lld", act,
         (long long)sm.closed_steps);
  EXPECT(strcmp(wpr_sm_event_name(WPR_SM_SHUTDOWN), "shutdown") == 0, "event name");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s state_machine.tsv\n", argv[0]);
    return 2;
  }
  int vectors = replay_file(argv[1]);
  EXPECT(vectors > 0, "no vectors replayed");
  check_steps_definition();
  printf("%d vectors replayed, %d failures\n", vectors, wptest_failures());
  return wptest_failures() ? 1 : 0;
}
