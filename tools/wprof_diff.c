/* PLACEHOLDER (being written): `wprof diff`. */
#include "wprof_cli.h"

const char wprof_diff_usage[] = "wprof diff A.h5 B.h5";

int wprof_cmd_diff(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wprof_error("diff: not built yet");
  return WPROF_EXIT_FAIL;
}
