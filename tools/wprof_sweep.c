/* PLACEHOLDER (being written): `wprof sweep`. */
#include "wprof_cli.h"

const char wprof_sweep_usage[] = "wprof sweep --np LIST -o DIR -- APP [ARGS]";

int wprof_cmd_sweep(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wprof_error("sweep: not built yet");
  return WPROF_EXIT_FAIL;
}
