/* LD_PRELOAD shim for finalize_defer.py, by FINALIZE_DEFER_SHIM:
 *   no_thread   pthread_create fails (EAGAIN, as at a thread limit) for every thread whose start
 *               routine lies in libwprof, and works for MPI's own;
 *   slow_start  a pthread_cond_timedwait made from libwprof waits 120 s more than asked (as if the
 *               writer's head start were that long): only a wake-up from the MPI_Finalize wrapper, once
 *               PMPI_Finalize returns, lets the job end in time. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int in_libwprof(const void *addr) {
  Dl_info info;
  return dladdr(addr, &info) && info.dli_fname && strstr(info.dli_fname, "libwprof");
}

static int mode_is(const char *mode) {
  const char *m = getenv("FINALIZE_DEFER_SHIM");
  return m && strcmp(m, mode) == 0;
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  static create_fn real;
  if (!real) real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
  if (mode_is("no_thread") && in_libwprof((void *)start)) {
    fprintf(stderr, "shim: a thread of libwprof refused\n");
    return EAGAIN;
  }
  return real(t, attr, start, arg);
}

typedef int (*timedwait_fn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *until) {
  static timedwait_fn real;
  if (!real) real = (timedwait_fn)dlsym(RTLD_NEXT, "pthread_cond_timedwait");
  if (mode_is("slow_start") && in_libwprof(__builtin_return_address(0))) {
    static int said;
    if (!said) fprintf(stderr, "shim: libwprof's timed wait stretched by 120 s\n");
    said = 1;
    struct timespec later = *until;
    later.tv_sec += 120;
    return real(c, m, &later);
  }
  return real(c, m, until);
}
