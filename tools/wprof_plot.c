/* PLACEHOLDER (being written): `wprof plot`. */
#include "wprof_cli.h"

const char wprof_plot_usage[] = "wprof plot FILE -o OUT.svg|png";

int wprof_cmd_plot(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wprof_error("plot: not built yet");
  return WPROF_EXIT_FAIL;
}
