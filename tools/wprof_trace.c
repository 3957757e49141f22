/* PLACEHOLDER (being written): `wprof trace`. */
#include "wprof_cli.h"

const char wprof_trace_usage[] = "wprof trace FILE -o OUT.json";

int wprof_cmd_trace(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wprof_error("trace: not built yet");
  return WPROF_EXIT_FAIL;
}
