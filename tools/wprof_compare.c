/* PLACEHOLDER (being written): `wprof compare`. */
#include "wprof_cli.h"

const char wprof_compare_usage[] = "wprof compare DIR|FILES...";

int wprof_cmd_compare(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wprof_error("compare: not built yet");
  return WPROF_EXIT_FAIL;
}
