/* LD_PRELOAD shim for finalize_defer.py's no_thread case: pthread_create fails (EAGAIN, as at a
 * thread limit) for every thread whose start routine lies in libwprof, and works for MPI's own. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  static create_fn real;
  if (!real) real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
  Dl_info info;
  if (dladdr((void *)start, &info) && info.dli_fname && strstr(info.dli_fname, "libwprof")) {
    fprintf(stderr, "shim: a thread of libwprof refused\n");
    return EAGAIN;
  }
  return real(t, attr, start, arg);
}
