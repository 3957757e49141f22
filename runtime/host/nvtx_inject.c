/* The NVTX injection entry point: with NVTX_INJECTION64_PATH=libwprof.so, the application's NVTX
 * ranges (push/pop, start/end, domain variants) feed the same range stack as wprof_range_push/pop.
 * wprof's own ranges come through here too, in the private "wprof" domain, and are ignored. */
#ifdef WPROF_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"
#include "ranges.h"

#define NAME_BUF 512
#define DOMAINS_MAX 256

/* A domain handle we hand out; its fields never change after creation, so handlers read them
 * without a lock. */
struct wpr_nvtx_domain { int ignored; char name[64]; };

static pthread_mutex_t domains_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wpr_nvtx_domain *domains[DOMAINS_MAX];
static int n_domains;
static struct wpr_nvtx_domain domain_overflow; /* past DOMAINS_MAX: recorded like the default domain */

/* ---- names ---- */

static size_t utf8_put(char *out, uint32_t c) {
  if (c < 0x80) return out[0] = (char)c, 1;
  if (c < 0x800) return out[0] = (char)(0xc0 | c >> 6), out[1] = (char)(0x80 | (c & 0x3f)), 2;
  if (c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) c = 0xfffd;
  if (c < 0x10000) {
    out[0] = (char)(0xe0 | c >> 12);
    out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[2] = (char)(0x80 | (c & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | c >> 18);
  out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
  out[3] = (char)(0x80 | (c & 0x3f));
  return 4;
}

/* Wide names as UTF-8, without the locale (wcstombs depends on the application's setlocale). */
static const char *wide_name(const wchar_t *w, char *buf, size_t len) {
  if (!w) return "(null)";
  size_t used = 0;
  for (; *w && used + 5 < len; w++) used += utf8_put(buf + used, (uint32_t)*w);
  buf[used] = '\0';
  return buf;
}

static const char *attr_name(const nvtxEventAttributes_t *a, char *buf, size_t len) {
  if (!a || a->size < NVTX_EVENT_ATTRIB_STRUCT_SIZE) return "(unnamed)";
  switch (a->messageType) {
  case NVTX_MESSAGE_TYPE_ASCII: return a->message.ascii ? a->message.ascii : "(null)";
  case NVTX_MESSAGE_TYPE_UNICODE: return wide_name(a->message.unicode, buf, len);
  case NVTX_MESSAGE_TYPE_REGISTERED: /* our handles are the registered text itself */
    return a->message.registered ? (const char *)a->message.registered : "(null)";
  default: return "(unnamed)";
  }
}

/* ---- the default domain ---- */

static int push_a(const char *message) {
  wpr_ranges_push(message);
  return 0;
}
static int push_w(const wchar_t *message) {
  char buf[NAME_BUF];
  wpr_ranges_push(wide_name(message, buf, sizeof buf));
  return 0;
}
static int push_ex(const nvtxEventAttributes_t *a) {
  char buf[NAME_BUF];
  wpr_ranges_push(attr_name(a, buf, sizeof buf));
  return 0;
}
static int pop(void) { return wpr_ranges_pop() == 0 ? 0 : -1; }

static nvtxRangeId_t start_a(const char *message) { return wpr_ranges_start(message); }
static nvtxRangeId_t start_w(const wchar_t *message) {
  char buf[NAME_BUF];
  return wpr_ranges_start(wide_name(message, buf, sizeof buf));
}
static nvtxRangeId_t start_ex(const nvtxEventAttributes_t *a) {
  char buf[NAME_BUF];
  return wpr_ranges_start(attr_name(a, buf, sizeof buf));
}
static void end(nvtxRangeId_t id) { wpr_ranges_end(id); }

/* ---- domains ---- */

static int domain_ignored(nvtxDomainHandle_t d) { return d && ((struct wpr_nvtx_domain *)d)->ignored; }

static int domain_push_ex(nvtxDomainHandle_t d, const nvtxEventAttributes_t *a) {
  return domain_ignored(d) ? 0 : push_ex(a);
}
static int domain_pop(nvtxDomainHandle_t d) { return domain_ignored(d) ? 0 : pop(); }
static nvtxRangeId_t domain_start_ex(nvtxDomainHandle_t d, const nvtxEventAttributes_t *a) {
  return domain_ignored(d) ? 0 : start_ex(a);
}
static void domain_end(nvtxDomainHandle_t d, nvtxRangeId_t id) {
  if (!domain_ignored(d)) wpr_ranges_end(id);
}

/* Same name, same handle: a library that creates its domain per call does not grow the table. */
static nvtxDomainHandle_t domain_create(const char *name) {
  static int full_warned;
  if (!name) name = "";
  struct wpr_nvtx_domain *d = NULL;
  pthread_mutex_lock(&domains_lock);
  for (int i = 0; i < n_domains && !d; i++)
    if (strncmp(domains[i]->name, name, sizeof domains[i]->name - 1) == 0) d = domains[i];
  if (!d && n_domains < DOMAINS_MAX && (d = calloc(1, sizeof *d))) {
    snprintf(d->name, sizeof d->name, "%s", name);
    d->ignored = strcmp(name, "wprof") == 0; /* wprof's own ranges: already on the stack */
    domains[n_domains++] = d;
  }
  pthread_mutex_unlock(&domains_lock);
  if (d) return (nvtxDomainHandle_t)d;
  wpr_warn_once(&full_warned, "more than %d NVTX domains; the later ones are recorded as one", DOMAINS_MAX);
  return (nvtxDomainHandle_t)&domain_overflow;
}
static nvtxDomainHandle_t domain_create_a(const char *name) { return domain_create(name); }
static nvtxDomainHandle_t domain_create_w(const wchar_t *name) {
  char buf[NAME_BUF];
  return domain_create(wide_name(name, buf, sizeof buf));
}

/* Registered strings live as long as the process (NVTX has no unregister); the handle is the text.
 * They stay on a list, deduplicated, so registering in a loop does not grow memory. */
struct registered { struct registered *next; char text[]; };
static struct registered *registered_head;

static nvtxStringHandle_t register_a(nvtxDomainHandle_t d, const char *s) {
  (void)d;
  if (!s) s = "(null)";
  pthread_mutex_lock(&domains_lock);
  struct registered *r = registered_head;
  while (r && strcmp(r->text, s) != 0) r = r->next;
  size_t len = strlen(s);
  if (!r && (r = malloc(sizeof *r + len + 1))) {
    memcpy(r->text, s, len + 1);
    r->next = registered_head;
    registered_head = r;
  }
  pthread_mutex_unlock(&domains_lock);
  return r ? (nvtxStringHandle_t)r->text : NULL;
}
static nvtxStringHandle_t register_w(nvtxDomainHandle_t d, const wchar_t *s) {
  char buf[NAME_BUF];
  return register_a(d, wide_name(s, buf, sizeof buf));
}

/* ---- the entry point ---- */

struct slot { unsigned id; NvtxFunctionPointer fn; };

#define SLOT(id, fn) {(id), (NvtxFunctionPointer)(fn)}

static const struct slot core_slots[] = {
    SLOT(NVTX_CBID_CORE_RangePushA, push_a),   SLOT(NVTX_CBID_CORE_RangePushW, push_w),
    SLOT(NVTX_CBID_CORE_RangePushEx, push_ex), SLOT(NVTX_CBID_CORE_RangePop, pop),
    SLOT(NVTX_CBID_CORE_RangeStartA, start_a), SLOT(NVTX_CBID_CORE_RangeStartW, start_w),
    SLOT(NVTX_CBID_CORE_RangeStartEx, start_ex), SLOT(NVTX_CBID_CORE_RangeEnd, end),
};

static const struct slot core2_slots[] = {
    SLOT(NVTX_CBID_CORE2_DomainRangePushEx, domain_push_ex),
    SLOT(NVTX_CBID_CORE2_DomainRangePop, domain_pop),
    SLOT(NVTX_CBID_CORE2_DomainRangeStartEx, domain_start_ex),
    SLOT(NVTX_CBID_CORE2_DomainRangeEnd, domain_end),
    SLOT(NVTX_CBID_CORE2_DomainCreateA, domain_create_a),
    SLOT(NVTX_CBID_CORE2_DomainCreateW, domain_create_w),
    SLOT(NVTX_CBID_CORE2_DomainRegisterStringA, register_a),
    SLOT(NVTX_CBID_CORE2_DomainRegisterStringW, register_w),
};

static int fill_module(const NvtxExportTableCallbacks *cb, NvtxCallbackModule module, const struct slot *slots,
                       size_t n) {
  NvtxFunctionTable table = NULL;
  unsigned int size = 0;
  if (!cb->GetModuleFunctionTable(module, &table, &size) || !table) return 0;
  for (size_t i = 0; i < n; i++)
    if (slots[i].id < size && table[slots[i].id]) *table[slots[i].id] = slots[i].fn;
  return 1;
}

/* Called once by every NVTX instance of the process (the application's, and libwprof's own). */
int InitializeInjectionNvtx2(NvtxGetExportTableFunc_t get_export_table) {
  const NvtxExportTableCallbacks *cb =
      get_export_table ? (const NvtxExportTableCallbacks *)get_export_table(NVTX_ETID_CALLBACKS) : NULL;
  if (!cb || cb->struct_size < sizeof *cb || !cb->GetModuleFunctionTable) {
    WPR_WARN("NVTX injection: no callback table; the application's NVTX ranges are not recorded");
    return 0;
  }
  if (!fill_module(cb, NVTX_CB_MODULE_CORE, core_slots, sizeof core_slots / sizeof core_slots[0]) ||
      !fill_module(cb, NVTX_CB_MODULE_CORE2, core2_slots, sizeof core2_slots / sizeof core2_slots[0])) {
    WPR_WARN("NVTX injection: the range callbacks could not be installed");
    return 0;
  }
  WPR_DEBUG("NVTX injection: capturing the application's NVTX ranges");
  return 1;
}

#else
typedef int wpr_nvtx_inject_unused; /* built without NVTX3 headers: no injection entry point */
#endif
