/* The `wprof` command: dispatches to its subcommands from one table. */
#include <stdio.h>
#include <string.h>

#include "wprof_cli.h"

int wprof_cmd_report(int argc, char **argv);
extern const char wprof_report_usage[];
int wprof_cmd_recover(int argc, char **argv);
extern const char wprof_recover_usage[];
int wprof_cmd_run(int argc, char **argv);
extern const char wprof_run_usage[];
int wprof_cmd_trace(int argc, char **argv);
extern const char wprof_trace_usage[];
int wprof_cmd_diff(int argc, char **argv);
extern const char wprof_diff_usage[];
int wprof_cmd_plot(int argc, char **argv);
extern const char wprof_plot_usage[];
int wprof_cmd_compare(int argc, char **argv);
extern const char wprof_compare_usage[];
int wprof_cmd_sweep(int argc, char **argv);
extern const char wprof_sweep_usage[];
int wprof_cmd_doctor(int argc, char **argv);
extern const char wprof_doctor_usage[];

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct wprof_command commands[] = {
  { "report", wprof_cmd_report, wprof_report_usage,
    "print the tables of a report (cross-rank summary, or one rank)" },
  { "recover", wprof_cmd_recover, wprof_recover_usage,
    "build a report from the crash spills (<output>.d) of a job that died" },
  { "run", wprof_cmd_run, wprof_run_usage,
    "profile a program that does not call wprof (mpirun -np 8 wprof run -- ./app)" },
  { "trace", wprof_cmd_trace, wprof_trace_usage,
    "export /timeline as Chrome trace-event JSON (opens in Perfetto)" },
  { "diff", wprof_cmd_diff, wprof_diff_usage,
    "per-name change between two reports; exit 1 when a regression passes --fail-above" },
  { "plot", wprof_cmd_plot, wprof_plot_usage,
    "rank x name heatmap, imbalance bars or a timeline as SVG or PNG" },
  { "compare", wprof_cmd_compare, wprof_compare_usage,
    "scaling table and chart over the reports of a sweep" },
  { "sweep", wprof_cmd_sweep, wprof_sweep_usage,
    "run an app through mpirun over a matrix of rank counts and settings, one report per point" },
  { "doctor", wprof_cmd_doctor, wprof_doctor_usage,
    "check a report or spill directory: what not to trust (exit 1 on a warning or error)" },
  { "help", cmd_help, "wprof help [COMMAND]", "show this help, or one command's" },
  { "version", cmd_version, "wprof version", "print the version" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct wprof_command *find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static void print_overview(FILE *out) {
  fprintf(out, "usage: wprof COMMAND [ARGS]   (wprof --version, wprof help COMMAND)\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static int cmd_help(int argc, char **argv) {
  if (argc < 2) {
    print_overview(stdout);
    return WPROF_EXIT_OK;
  }
  const struct wprof_command *c = find_command(argv[1]);
  if (!c) return wprof_usage_error("wprof help [COMMAND]", "no command '%s'", argv[1]);
  printf("usage: %s\n%s\n", c->usage, c->summary);
  return WPROF_EXIT_OK;
}

static int cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("wprof %s (report schema %d)\n", WPROF_VERSION, WPIO_SCHEMA_VERSION);
  return WPROF_EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("wprof: no command given\n", stderr);
    print_overview(stderr);
    return WPROF_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) return cmd_version(0, NULL);
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) return cmd_help(1, argv + 1);
  const struct wprof_command *c = find_command(name);
  if (!c) {
    fprintf(stderr, "wprof: unknown command '%s'\n", name);
    print_overview(stderr);
    return WPROF_EXIT_USAGE;
  }
  return c->run(argc - 1, argv + 1);
}
