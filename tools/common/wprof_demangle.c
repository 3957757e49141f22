/* Display names for C++ kernels: the report keeps the raw (mangled) names, the tables show them
 * demangled. libstdc++'s __cxa_demangle is found with dlopen, so the tool links no C++ runtime and
 * shows raw names where none is installed. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_cli.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn find_demangler(void) {
  static int looked;
  static cxa_demangle_fn fn;
  if (looked) return fn;
  looked = 1;
  void *lib = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
  if (lib) fn = (cxa_demangle_fn)dlsym(lib, "__cxa_demangle");
  return fn;
}

/* Demangled names live as long as the process: the tool prints once and exits. */
static struct { char **s; size_t n, cap; } kept;

static const char *keep(char *s) {
  if (kept.n == kept.cap) {
    size_t cap = kept.cap ? 2 * kept.cap : 64;
    char **grown = realloc(kept.s, cap * sizeof(*grown));
    if (!grown) return NULL;
    kept.s = grown;
    kept.cap = cap;
  }
  kept.s[kept.n++] = s;
  return s;
}

const char *wprof_display_name(const char *raw, void *ctx) {
  (void)ctx;
  if (strncmp(raw, "_Z", 2) != 0) return NULL;  /* only Itanium-ABI mangled names */
  cxa_demangle_fn demangle = find_demangler();
  if (!demangle) return NULL;
  int status = -1;
  char *shown = demangle(raw, NULL, NULL, &status);
  if (status != 0 || !shown) {
    free(shown);
    return NULL;
  }
  const char *kept_name = keep(shown);
  if (!kept_name) free(shown);
  return kept_name;
}
