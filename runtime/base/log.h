/* Messages to stderr, prefixed "wprof[rank N]:", filtered by WPROF_LOG; warn_once for repeated sites. */
#ifndef WPR_LOG_H
#define WPR_LOG_H

enum wpr_log_level { WPR_LOG_ERROR = 0, WPR_LOG_WARN = 1, WPR_LOG_INFO = 2, WPR_LOG_DEBUG = 3 };

void wpr_log_set_level(int level);
void wpr_log_set_rank(int rank);   /* -1 before MPI is known */
int wpr_log_enabled(int level);
void wpr_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Warns the first time a site (`flag`, a static int of the caller) is hit; later hits are silent. */
void wpr_warn_once(int *flag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WPR_WARN(...) wpr_log(WPR_LOG_WARN, __VA_ARGS__)
#define WPR_INFO(...) wpr_log(WPR_LOG_INFO, __VA_ARGS__)
#define WPR_DEBUG(...) wpr_log(WPR_LOG_DEBUG, __VA_ARGS__)

#endif
