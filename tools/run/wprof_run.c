/* `wprof run [opts] -- ./app args`: profiles a program that does not call wprof, by preloading
 * libwprof (its MPI_Init/MPI_Finalize wrappers start and finish the session) and pointing NVTX's
 * injection at it, then exec'ing the program. Used as `mpirun -np 8 wprof run -- ./app`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wprof_cli.h"

const char wprof_run_usage[] =
    "wprof run [--delay N] [--max N] [--output F] [--backend B] [--step-range NAME] "
    "[--step-mpi FN] [--meta KEY=VALUE]... -- PROGRAM [ARGS...]";

/* A flag of `wprof run` and the variable it sets; a check of the value, or NULL for any text. */
struct run_flag {
  const char *flag;
  const char *env;
  int (*valid)(const char *v);
};

static int valid_count(const char *v) {
  long n;
  return wprof_parse_long(v, 0, LONG_MAX, &n) == 0;
}

static int valid_backend(const char *v) {
  static const char *const words[] = {"auto", "cupti", "cuda-profiler-api", "host"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(v, words[i]) == 0) return 1;
  return 0;
}

static int valid_mpi_name(const char *v) { return strncmp(v, "MPI_", 4) == 0 && v[4] != '\0'; }
static int valid_text(const char *v) { return v[0] != '\0'; }

static const struct run_flag run_flags[] = {
    {"--delay", "WPROF_DELAY_ITERS", valid_count},
    {"--max", "WPROF_MAX_ITERS", valid_count},
    {"--output", "WPROF_OUTPUT", valid_text},
    {"--backend", "WPROF_BACKEND", valid_backend},
    {"--step-range", "WPROF_STEP_RANGE", valid_text},
    {"--step-mpi", "WPROF_STEP_MPI", valid_mpi_name},
};
#define N_RUN_FLAGS (sizeof run_flags / sizeof run_flags[0])

/* libwprof.so beside this command: the install's bin -> lib path, or the build tree's bin/../lib;
 * else the install prefix it was configured for. */
static int find_library(char *path /* PATH_MAX bytes */, size_t len) {
  static const char *const beside[] = {WPROF_BIN_TO_LIB, "../lib"};
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
  if (slash) {
    *slash = '\0';
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
      char candidate[2 * PATH_MAX];
      snprintf(candidate, sizeof candidate, "%s/%s/libwprof.so", exe, beside[i]);
      if (realpath(candidate, path) && access(path, R_OK) == 0) return 0; /* path: PATH_MAX bytes */
    }
  }
  snprintf(path, len, "%s/libwprof.so", WPROF_INSTALL_LIBDIR);
  return access(path, R_OK) == 0 ? 0 : -1;
}

/* LD_PRELOAD keeps what the user preloads; libwprof is appended (still ahead of the MPI library). */
static int append_preload(const char *lib) {
  const char *old = getenv("LD_PRELOAD");
  if (old && strstr(old, lib)) return 0;
  size_t len = (old ? strlen(old) + 1 : 0) + strlen(lib) + 1;
  char *value = malloc(len);
  if (!value) return -1;
  snprintf(value, len, "%s%s%s", old && *old ? old : "", old && *old ? ":" : "", lib);
  int rc = setenv("LD_PRELOAD", value, 1);
  free(value);
  return rc;
}

/* Length of the key of "key=value" (keys of [A-Za-z0-9_.-], values without commas), or 0. */
static size_t meta_key_len(const char *kv) {
  size_t k = strspn(kv, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
  return k > 0 && kv[k] == '=' && !strchr(kv + k, ',') ? k : 0;
}

/* --meta key=value: appended to WPROF_META, replacing an item of the same key already there. */
static int add_meta(const char *kv) {
  size_t k = meta_key_len(kv);
  if (!k) return wprof_usage_error(wprof_run_usage, "--meta %s: not KEY=VALUE (keys of [A-Za-z0-9_.-], no commas)", kv);
  const char *old = getenv("WPROF_META");
  size_t cap = (old ? strlen(old) : 0) + strlen(kv) + 2, used = 0;
  char *out = malloc(cap);
  if (!out) return WPROF_EXIT_FAIL;
  out[0] = '\0';
  for (const char *p = old; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n > 0 && !(n > k && strncmp(p, kv, k + 1) == 0))
      used += (size_t)snprintf(out + used, cap - used, "%s%.*s", used ? "," : "", (int)n, p);
    p = comma ? comma + 1 : NULL;
  }
  snprintf(out + used, cap - used, "%s%s", used ? "," : "", kv);
  int rc = setenv("WPROF_META", out, 1);
  free(out);
  return rc == 0 ? 0 : WPROF_EXIT_FAIL;
}

static int apply_flag(const char *name, const char *value) {
  if (strcmp(name, "--meta") == 0)
    return value ? add_meta(value) : wprof_usage_error(wprof_run_usage, "--meta needs KEY=VALUE");
  for (size_t i = 0; i < N_RUN_FLAGS; i++) {
    if (strcmp(name, run_flags[i].flag) != 0) continue;
    if (!value) return wprof_usage_error(wprof_run_usage, "%s needs a value", name);
    if (!run_flags[i].valid(value))
      return wprof_usage_error(wprof_run_usage, "%s %s: not a valid value for %s", name, value, run_flags[i].env);
    setenv(run_flags[i].env, value, 1);
    return 0;
  }
  return wprof_usage_error(wprof_run_usage, "unknown option '%s'", name);
}

/* Sets the environment from the flags up to "--"; returns the index of the program, or -exit status. */
static int parse_flags(int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-') break; /* the program itself, without "--" */
    const char *eq = strchr(arg, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    int rc = apply_flag(name, value);
    if (rc) return -rc;
  }
  if (i < argc && strcmp(argv[i], "--") == 0) i++;
  if (i >= argc) return -wprof_usage_error(wprof_run_usage, "no program given");
  return i;
}

int wprof_cmd_run(int argc, char **argv) {
  int prog = parse_flags(argc, argv);
  if (prog < 0) return -prog;
  char lib[PATH_MAX];
  if (find_library(lib, sizeof lib) != 0) {
    wprof_error("run: cannot find libwprof.so (looked beside this command in %s and in %s)",
                WPROF_BIN_TO_LIB, WPROF_INSTALL_LIBDIR);
    return WPROF_EXIT_USAGE;
  }
  char pid[32];
  snprintf(pid, sizeof pid, "%ld", (long)getpid()); /* exec keeps it: the program is this process */
  if (append_preload(lib) != 0 || setenv("WPROF_START", "init", 0) != 0 ||
      setenv("NVTX_INJECTION64_PATH", lib, 0) != 0 || setenv("WPROF_RUN_PID", pid, 1) != 0) {
    wprof_error("run: cannot set the environment: %s", strerror(errno));
    return WPROF_EXIT_FAIL;
  }
  execvp(argv[prog], argv + prog);
  wprof_error("run: cannot run %s: %s", argv[prog], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
