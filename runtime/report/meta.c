/* Run metadata (see meta.h). Everything here is read directly (files, MPI, the driver already
 * loaded): no process is forked inside an MPI job, and nothing found missing is an error. */
#include "meta.h"

#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define META_TEXT_MAX 4096
#define META_HOSTS_LISTED 64 /* more distinct hosts than this are counted, not listed */
#define GIT_DIR_DEPTH 64     /* parents searched for .git */

static void set_meta(struct wpio_job *job, const char *key, const char *value) {
  char full[256];
  snprintf(full, sizeof full, "%s%s", WPIO_META_PREFIX, key);
  wpio_job_set_attr(job, full, value);
}

static void set_meta_int(struct wpio_job *job, const char *key, int64_t value) {
  char full[256];
  snprintf(full, sizeof full, "%s%s", WPIO_META_PREFIX, key);
  wpio_job_set_attr_int(job, full, value);
}

void wpr_meta_each_user(const char *text, void (*fn)(const char *key, const char *value, void *ctx), void *ctx) {
  char item[1024];
  while (text && *text) {
    const char *comma = strchr(text, ',');
    size_t n = comma ? (size_t)(comma - text) : strlen(text);
    if (n < sizeof item) {
      memcpy(item, text, n);
      item[n] = '\0';
      char *eq = strchr(item, '=');
      if (eq && eq != item) {
        *eq = '\0';
        fn(item, eq + 1, ctx);
      }
    }
    text = comma ? comma + 1 : NULL;
  }
}

static void user_key(const char *key, const char *value, void *ctx) { set_meta(ctx, key, value); }

/* Distinct hostnames of the /ranks rows (placeholders have none), sorted, and how many. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void set_hosts(struct wpio_job *job) {
  const char **names = job->ranks.n ? malloc(job->ranks.n * sizeof *names) : NULL;
  if (!names) return;
  size_t n = 0;
  for (size_t i = 0; i < job->ranks.n; i++)
    if (job->ranks.v[i].hostname && job->ranks.v[i].hostname[0]) names[n++] = job->ranks.v[i].hostname;
  qsort(names, n, sizeof *names, cmp_str);
  char text[META_TEXT_MAX] = "";
  size_t used = 0, distinct = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(names[i], names[i - 1]) == 0) continue;
    if (distinct++ < META_HOSTS_LISTED && used + strlen(names[i]) + 2 < sizeof text)
      used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", used ? "," : "", names[i]);
  }
  if (distinct > META_HOSTS_LISTED && used + 32 < sizeof text)
    snprintf(text + used, sizeof text - used, ",... (%zu in all)", distinct);
  free(names);
  if (distinct == 0) return;
  set_meta(job, "hosts", text);
  set_meta_int(job, "host_count", (int64_t)distinct);
}

static void find_mpi_library(char *out, size_t out_len) {
  char version[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
  int len = 0;
  if (PMPI_Get_library_version(version, &len) != MPI_SUCCESS) return;
  version[len > 0 && len <= MPI_MAX_LIBRARY_VERSION_STRING ? len : 0] = '\0';
  /* the first line is the useful one (Open MPI adds its build details after it) */
  version[strcspn(version, "\r\n")] = '\0';
  while (len > 0 && version[0] && version[strlen(version) - 1] == ' ') version[strlen(version) - 1] = '\0';
  snprintf(out, out_len, "%s", version);
}

/* The GPU model and driver, asked of a driver the cupti backend already loaded (RTLD_NOLOAD): a run
 * without a GPU never loads one for this. */
typedef int (*cu_int_fn)(int *);
typedef int (*cu_device_get_fn)(int *device, int ordinal);
typedef int (*cu_device_name_fn)(char *name, int len, int device);

static void set_gpu(const struct wpr_session *s, struct wpio_job *job) {
  if (!s->backend || strcmp(s->backend->name, "cupti") != 0) return;
  void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (!cuda) return;
  cu_int_fn driver_version = (cu_int_fn)dlsym(cuda, "cuDriverGetVersion");
  cu_device_get_fn device_get = (cu_device_get_fn)dlsym(cuda, "cuDeviceGet");
  cu_device_name_fn device_name = (cu_device_name_fn)dlsym(cuda, "cuDeviceGetName");
  int version = 0, device = 0;
  char name[256] = "";
  if (driver_version && driver_version(&version) == 0 && version > 0) {
    char text[32];
    snprintf(text, sizeof text, "%d.%d", version / 1000, (version % 1000) / 10);
    set_meta(job, "cuda_driver", text);
  }
  if (device_get && device_name && device_get(&device, 0) == 0 && device_name(name, sizeof name - 1, device) == 0 &&
      name[0])
    set_meta(job, "gpu", name);
  dlclose(cuda); /* drops only our reference: the backend's keeps it loaded */
}

/* The first line of a small file, without its newline; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int ok = fgets(buf, (int)len, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}

/* out = a "/" b; 0, or -1 when it does not fit. */
static int path_join(char *out, size_t len, const char *a, const char *b) {
  int n = snprintf(out, len, "%s/%s", a, b);
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A ref's commit from packed-refs ("<sha> <ref>" lines). */
static int packed_ref(const char *git_dir, const char *ref, char *sha, size_t len) {
  char path[4200], line[1024];
  if (path_join(path, sizeof path, git_dir, "packed-refs") < 0) return -1;
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int found = -1;
  while (found < 0 && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *space = strchr(line, ' ');
    if (line[0] == '#' || line[0] == '^' || !space || strcmp(space + 1, ref) != 0) continue;
    *space = '\0';
    found = strlen(line) < len ? (memcpy(sha, line, strlen(line) + 1), 0) : -1;
    break;
  }
  fclose(f);
  return found;
}

/* The .git directory of the working directory or one of its parents ("gitdir:" files followed). */
static int find_git_dir(char *git_dir, size_t len) {
  char dir[4096];
  if (!getcwd(dir, sizeof dir)) return -1;
  for (int depth = 0; depth < GIT_DIR_DEPTH; depth++) {
    char path[4200], line[4096];
    if (path_join(path, sizeof path, dir, ".git") < 0) return -1;
    if (access(path, F_OK) == 0) {
      if (read_line(path, line, sizeof line) == 0 && strncmp(line, "gitdir: ", 8) == 0)
        return line[8] == '/' ? (strlen(line + 8) < len ? (memcpy(git_dir, line + 8, strlen(line + 8) + 1), 0) : -1)
                              : path_join(git_dir, len, dir, line + 8);
      return strlen(path) < len ? (memcpy(git_dir, path, strlen(path) + 1), 0) : -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return -1;
    *slash = '\0';
  }
  return -1;
}

static void find_git_commit(char *out, size_t out_len) {
  char git_dir[4096], head[4096], path[8400], sha[128] = "";
  if (find_git_dir(git_dir, sizeof git_dir) < 0) return;
  if (path_join(path, sizeof path, git_dir, "HEAD") < 0 || read_line(path, head, sizeof head) < 0) return;
  if (strncmp(head, "ref: ", 5) == 0) {
    const char *ref = head + 5;
    if ((path_join(path, sizeof path, git_dir, ref) < 0 || read_line(path, sha, sizeof sha) < 0) &&
        packed_ref(git_dir, ref, sha, sizeof sha) < 0) {
      /* a worktree's refs live in the common dir */
      char common[4096], cdir[8400];
      if (path_join(path, sizeof path, git_dir, "commondir") < 0 || read_line(path, common, sizeof common) < 0) return;
      int ok = common[0] == '/' ? (strlen(common) < sizeof cdir ? (memcpy(cdir, common, strlen(common) + 1), 0) : -1)
                                : path_join(cdir, sizeof cdir, git_dir, common);
      if (ok < 0) return;
      if ((path_join(path, sizeof path, cdir, ref) < 0 || read_line(path, sha, sizeof sha) < 0) &&
          packed_ref(cdir, ref, sha, sizeof sha) < 0)
        return;
    }
  } else if (strlen(head) < sizeof sha) {
    memcpy(sha, head, strlen(head) + 1);
  }
  size_t n = strspn(sha, "0123456789abcdef");
  if (n >= 40 && (sha[n] == '\0')) snprintf(out, out_len, "%s", sha);
}

/* The WPROF_* options that differ from their defaults, "WPROF_X=v;WPROF_Y=w" (all of them, default or
 * not, are the report's root attributes too). */
static void set_settings(const struct wpr_session *s, struct wpio_job *job) {
  /* formatted once per configuration (plain data, compared whole): every spill sets it */
  static struct wpr_config cached_cfg;
  static char text[META_TEXT_MAX];
  static int cached;
  if (cached && memcmp(&cached_cfg, &s->cfg, sizeof cached_cfg) == 0) {
    set_meta(job, "wprof_settings", text);
    return;
  }
  struct wpr_config def;
  wpr_config_defaults(&def);
  char value[2048], dvalue[2048];
  size_t used = 0;
  text[0] = '\0';
  for (int i = 0; i < wpr_option_count(); i++) {
    int is_int = 0;
    int64_t ival = 0;
    wpr_config_value(&s->cfg, i, value, sizeof value, &is_int, &ival);
    wpr_config_value(&def, i, dvalue, sizeof dvalue, &is_int, &ival);
    if (strcmp(value, dvalue) == 0) continue;
    const char *env = wpr_option_at(i)->env;
    if (used + strlen(env) + strlen(value) + 3 >= sizeof text) break;
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s=%s", used ? ";" : "", env, value);
  }
  memcpy(&cached_cfg, &s->cfg, sizeof cached_cfg);
  cached = 1;
  set_meta(job, "wprof_settings", text);
}

void wpr_meta_set(struct wpr_session *s, struct wpio_job *job) {
  struct wpr_meta_found *found = &s->meta_found;
  if (!found->looked) {
    find_mpi_library(found->mpi_library, sizeof found->mpi_library);
    find_git_commit(found->git_commit, sizeof found->git_commit);
    found->looked = 1;
  }
  set_meta_int(job, "world_size", s->comm.size);
  set_hosts(job);
  if (found->mpi_library[0]) set_meta(job, "mpi_library", found->mpi_library);
  set_gpu(s, job); /* at every pack: the application may load the driver after the first one */
  const struct wpio_attr *command = wpio_job_attr(job, "command");
  if (command && command->value) set_meta(job, "command", command->value);
  set_settings(s, job);
  if (found->git_commit[0]) set_meta(job, "git_commit", found->git_commit);
  wpr_meta_each_user(s->cfg.meta, user_key, job); /* last: the user's keys win over found ones */
}
