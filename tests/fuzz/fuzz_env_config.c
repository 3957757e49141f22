/* libFuzzer target: the option table's parser through wpr_config_load, with an environment made of
 * the fuzz data: NUL-separated values, one per option in table order (missing ones unset). Every
 * value must be taken or refused with the default kept; formatting the result must not crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

struct fuzz_env { const char *values[64]; int n; };

static const char *lookup(const char *name, void *ctx) {
  const struct fuzz_env *e = ctx;
  for (int i = 0; i < wpr_option_count() && i < e->n; i++)
    if (strcmp(wpr_option_at(i)->env, name) == 0) return e->values[i];
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int quiet;
  if (!quiet++) wpr_log_set_level(WPR_LOG_ERROR); /* warnings would flood the fuzzer's output */
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  struct fuzz_env env = { .n = 0 };
  for (char *p = text; env.n < 64 && p <= text + size; p += strlen(p) + 1) env.values[env.n++] = p;
  struct wpr_config cfg;
  int bad = wpr_config_load(&cfg, lookup, &env);
  if (bad < 0 || bad > wpr_option_count()) abort();
  if (cfg.sync_timeout_ms < 1 || cfg.delay_iters < 0 || cfg.max_iters < 0 || !cfg.output[0]) abort();
  for (int i = 0; i < wpr_option_count(); i++) {
    char buf[WPR_PATH_MAX + 16];
    int is_int;
    int64_t ival;
    wpr_config_value(&cfg, i, buf, sizeof buf, &is_int, &ival);
  }
  wpr_config_rank_selected(&cfg, size ? data[0] : 0);
  free(text);
  return 0;
}
