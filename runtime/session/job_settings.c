/* Rank 0's settings are the job's: the settings that decide when windows open and close, and which
 * sync points and gathers a rank makes, must be the same on every rank, or a rank with a different
 * WPROF_MAX_ITERS waits in a sync point while the others wait in the application's barrier. Rank 0
 * hands its values out at init; a rank whose environment said otherwise says so once and uses them. */
#include "job_settings.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "session.h"

enum { DELAY, MAX, PRINT, BACKEND, N_SHAPING };
static const char *const env_names[N_SHAPING] = {"WPROF_DELAY_ITERS", "WPROF_MAX_ITERS", "WPROF_PRINT",
                                                 "WPROF_BACKEND"};

static void value_text(int i, int64_t v, char *buf, size_t len) {
  if (i == PRINT && v == 0) snprintf(buf, len, "off");
  else if (i == PRINT) snprintf(buf, len, "top:%lld", (long long)v);
  else if (i == BACKEND) snprintf(buf, len, "%s", wpr_backend_kind_name((int)v));
  else snprintf(buf, len, "%lld", (long long)v);
}

static const char *ranks_lookup(const char *name, void *ctx) {
  return strcmp(name, "WPROF_RANKS") == 0 ? ctx : NULL;
}

/* WPROF_RANKS as rank 0 has it, parsed by the one option table. */
static void adopt_ranks(struct wpr_config *cfg, const char *text) {
  static struct wpr_config parsed; /* large: not on the stack; only the driving thread is here */
  wpr_config_load(&parsed, ranks_lookup, (void *)text);
  memcpy(cfg->ranks, parsed.ranks, sizeof(cfg->ranks));
  memcpy(cfg->rank_spans, parsed.rank_spans, sizeof(cfg->rank_spans));
  cfg->n_rank_spans = parsed.n_rank_spans;
}

static void append(char *buf, size_t cap, size_t *used, const char *fmt, const char *a, const char *b,
                   const char *c) {
  if (*used >= cap) return;
  int n = snprintf(buf + *used, cap - *used, fmt, a, b, c);
  if (n > 0) *used += (size_t)n;
}

void wpr_job_settings_adopt(struct wpr_session *s, int64_t env_iters[2]) {
  if (s->comm.size <= 1) return;
  struct wpr_config *c = &s->cfg;
  /* the first N_SHAPING are compared and warned about; the environment's delay and max only travel,
   * so that wprof_set_window_iters(-1, ...) later restores the same values on every rank */
  struct wpc_agree_item items[N_SHAPING + 2] = {
      {.name = "delay_iters", .value = c->delay_iters},
      {.name = "max_iters", .value = c->max_iters},
      {.name = "print_top", .value = c->print_top},
      {.name = "backend", .value = c->backend},
      {.name = "env_delay_iters", .value = env_iters[0]},
      {.name = "env_max_iters", .value = env_iters[1]},
  };
  int64_t root[N_SHAPING + 2];
  static char root_ranks[WPC_SETTINGS_TEXT];
  int rc = wpc_settings_share(&s->comm, items, N_SHAPING + 2, c->ranks, root, root_ranks, sizeof(root_ranks));
  if (rc != WPC_OK || s->comm.rank == 0) {
    if (rc != WPC_OK) WPR_DEBUG("no settings from rank 0 (status %d): this rank keeps its own", rc);
    return;
  }
  env_iters[0] = root[N_SHAPING];
  env_iters[1] = root[N_SHAPING + 1];
  char warn[WPR_NOTE_LEN] = "", mine_list[WPR_NOTE_LEN] = "", root_list[WPR_NOTE_LEN] = "";
  size_t wu = 0, mu = 0, ru = 0;
  for (int i = 0; i < N_SHAPING; i++) {
    if (root[i] == items[i].value) continue;
    char mine[32], theirs[32];
    value_text(i, items[i].value, mine, sizeof(mine));
    value_text(i, root[i], theirs, sizeof(theirs));
    append(warn, sizeof(warn), &wu, "%s%s=%s", wu ? ", " : "", env_names[i], mine);
    append(warn, sizeof(warn), &wu, " (rank 0: %s)%s%s", theirs, "", "");
    append(mine_list, sizeof(mine_list), &mu, "%s%s=%s", mu ? " " : "", items[i].name, mine);
    append(root_list, sizeof(root_list), &ru, "%s%s=%s", ru ? " " : "", items[i].name, theirs);
  }
  int ranks_differ = strcmp(root_ranks, c->ranks) != 0;
  if (ranks_differ) {
    append(warn, sizeof(warn), &wu, "%sWPROF_RANKS=\"%s\" (rank 0: \"%s\")", wu ? ", " : "", c->ranks, root_ranks);
    append(mine_list, sizeof(mine_list), &mu, "%sranks=%s%s", mu ? " " : "", c->ranks[0] ? c->ranks : "all", "");
    append(root_list, sizeof(root_list), &ru, "%sranks=%s%s", ru ? " " : "", root_ranks[0] ? root_ranks : "all", "");
  }
  if (wu == 0) return;
  WPR_WARN("rank %d has %s: every rank uses rank 0's settings, which shape the job's windows", s->comm.rank, warn);
  snprintf(s->settings_note, sizeof(s->settings_note), "rank %d has %s (rank 0: %s); rank 0's used", s->comm.rank,
           mine_list, root_list);
  c->delay_iters = root[DELAY];
  c->max_iters = root[MAX];
  c->print_top = root[PRINT];
  if (root[BACKEND] >= 0 && root[BACKEND] < WPR_BACKEND_KINDS) c->backend = (int)root[BACKEND];
  if (ranks_differ) adopt_ranks(c, root_ranks);
}
