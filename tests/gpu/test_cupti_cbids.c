/* cupti_cbids_cover: reads the CUPTI callback-id headers this build compiled against and checks that
 * every launch, copy and set id there is one the cupti backend listens to, so a new CUDA's
 * `__cudaLaunchKernel`-like entry point fails here instead of silently losing attribution.
 *   test_cupti_cbids <cupti_runtime_cbid.h> <cupti_driver_cbid.h> */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cupti_cbids.h"

/* Host-function launches run no GPU work; everything else named like a launch, copy or set does. */
static int wanted(const char *name, int driver) {
  if (strstr(name, "HostFunc")) return 0;
  static const char *const runtime[] = {"cudaLaunch", "__cudaLaunch", "cudaGraphLaunch", "cudaMemcpy", "cudaMemset"};
  static const char *const drv[] = {"cuLaunch", "cuGraphLaunch", "cuMemcpy", "cuMemset"};
  const char *const *p = driver ? drv : runtime;
  size_t n = driver ? sizeof drv / sizeof *drv : sizeof runtime / sizeof *runtime;
  for (size_t i = 0; i < n; i++)
    if (strncmp(name, p[i], strlen(p[i])) == 0) return 1;
  return 0;
}

/* Each `CUPTI_<DOMAIN>_TRACE_CBID_<name> = <value>` of the header: the wanted ones must be traced. */
static int check_header(const char *path, int driver, int *n_wanted) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  regex_t re;
  const char *pattern = driver ? "CUPTI_DRIVER_TRACE_CBID_([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)"
                               : "CUPTI_RUNTIME_TRACE_CBID_([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)";
  if (regcomp(&re, pattern, REG_EXTENDED) != 0) return 1;
  char line[1024];
  int missing = 0;
  while (fgets(line, sizeof line, f)) {
    regmatch_t m[3];
    if (regexec(&re, line, 3, m, 0) != 0) continue;
    char name[256];
    int len = (int)(m[1].rm_eo - m[1].rm_so);
    snprintf(name, sizeof name, "%.*s", len, line + m[1].rm_so);
    if (!wanted(name, driver)) continue;
    (*n_wanted)++;
    CUpti_CallbackId id = (CUpti_CallbackId)strtoul(line + m[2].rm_so, NULL, 10);
    CUpti_CallbackDomain domain = driver ? CUPTI_CB_DOMAIN_DRIVER_API : CUPTI_CB_DOMAIN_RUNTIME_API;
    if (!wpr_cupti_cbid_is_traced(domain, id)) {
      fprintf(stderr, "%s: %s (%u) is a launch, copy or set that runtime/cupti/cupti_cbids.c does not list\n",
              path, name, (unsigned)id);
      missing++;
    }
  }
  regfree(&re);
  fclose(f);
  return missing;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_cupti_cbids <cupti_runtime_cbid.h> <cupti_driver_cbid.h>\n");
    return 2;
  }
  int n_runtime = 0, n_driver = 0;
  int missing = check_header(argv[1], 0, &n_runtime) + check_header(argv[2], 1, &n_driver);
  /* an empty match means the headers' format changed, not that everything is covered */
  if (n_runtime < 20 || n_driver < 20) {
    fprintf(stderr, "only %d runtime and %d driver launch/copy ids found: the header format changed?\n",
            n_runtime, n_driver);
    return 1;
  }
  printf("%d runtime and %d driver launch, copy and set ids, %d missing\n", n_runtime, n_driver, missing);
  return missing ? 1 : 0;
}
