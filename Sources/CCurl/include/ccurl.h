#ifndef DVER_CCURL_H
#define DVER_CCURL_H
/* libcurl, loaded on first use.
 *
 * dver links libcurl lazily: linking it (and the GnuTLS, Kerberos, LDAP, ... libraries it
 * pulls in) cost every dver process about 4 ms of start-up, which no-op `dver status` on
 * 100k files (~0.14 s) felt, while only remote transfers use it. The header gives the types
 * and constants; the functions below call into libcurl.so.4 once `dver_curl_load` opened it.
 *
 * curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
 * wrapper per argument type. */
#include <curl/curl.h>

/* Opens libcurl and runs curl_global_init once (thread-safe). Returns NULL on success, else
 * a message saying what failed. Every other function here requires a successful load. */
const char *dver_curl_load(void);

CURL *dver_curl_easy_init(void);
void dver_curl_easy_cleanup(CURL *handle);
void dver_curl_easy_reset(CURL *handle);
CURLcode dver_curl_easy_perform(CURL *handle);
const char *dver_curl_easy_strerror(CURLcode code);
struct curl_slist *dver_curl_slist_append(struct curl_slist *list, const char *text);
void dver_curl_slist_free_all(struct curl_slist *list);

typedef size_t (*dver_curl_io_callback)(char *buffer, size_t size, size_t count, void *context);

CURLcode dver_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode dver_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode dver_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode dver_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode dver_curl_set_headers(CURL *handle, struct curl_slist *headers);
CURLcode dver_curl_set_callback(CURL *handle, CURLoption option, dver_curl_io_callback callback);
long dver_curl_response_code(CURL *handle);

/* Turns on libcurl's trace (CURLOPT_VERBOSE) through a debug callback that writes to stderr
 * what the default trace would, except the value of an x-amz-security-token header, which is
 * replaced by "(hidden)": credentials never reach a log. */
CURLcode dver_curl_trace_redacting(CURL *handle);

#endif
