#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <strings.h>

/* The libcurl functions dver calls, resolved by dver_curl_load. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_failure = NULL;
static char failure_text[512];

static int resolve(void *library, const char *name, void **slot) {
    *slot = dlsym(library, name);
    if (*slot == NULL) {
        snprintf(failure_text, sizeof failure_text, "libcurl.so.4 lacks %s (a libcurl older than 7.75?)", name);
        load_failure = failure_text;
        return 0;
    }
    return 1;
}

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(failure_text, sizeof failure_text, "%s", reason ? reason : "libcurl.so.4: cannot open");
        load_failure = failure_text;
        return;
    }
    if (!resolve(library, "curl_global_init", (void **)&curl.global_init)
        || !resolve(library, "curl_easy_init", (void **)&curl.easy_init)
        || !resolve(library, "curl_easy_cleanup", (void **)&curl.easy_cleanup)
        || !resolve(library, "curl_easy_reset", (void **)&curl.easy_reset)
        || !resolve(library, "curl_easy_perform", (void **)&curl.easy_perform)
        || !resolve(library, "curl_easy_strerror", (void **)&curl.easy_strerror)
        || !resolve(library, "curl_easy_setopt", (void **)&curl.easy_setopt)
        || !resolve(library, "curl_easy_getinfo", (void **)&curl.easy_getinfo)
        || !resolve(library, "curl_slist_append", (void **)&curl.slist_append)
        || !resolve(library, "curl_slist_free_all", (void **)&curl.slist_free_all)) {
        return;
    }
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        load_failure = "curl_global_init failed";
    }
}

const char *dver_curl_load(void) {
    pthread_once(&load_once, load);
    return load_failure;
}

CURL *dver_curl_easy_init(void) { return curl.easy_init(); }
void dver_curl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
void dver_curl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
CURLcode dver_curl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *dver_curl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *dver_curl_slist_append(struct curl_slist *list, const char *text) { return curl.slist_append(list, text); }
void dver_curl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode dver_curl_set_string(CURL *handle, CURLoption option, const char *value) { return curl.easy_setopt(handle, option, value); }
CURLcode dver_curl_set_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode dver_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) { return curl.easy_setopt(handle, option, value); }
CURLcode dver_curl_set_pointer(CURL *handle, CURLoption option, void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode dver_curl_set_headers(CURL *handle, struct curl_slist *headers) { return curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers); }
CURLcode dver_curl_set_callback(CURL *handle, CURLoption option, dver_curl_io_callback callback) { return curl.easy_setopt(handle, option, callback); }

long dver_curl_response_code(CURL *handle) {
    long code = 0;
    if (curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) return 0;
    return code;
}

/* Writes `size` bytes of headers, line by line, hiding the session token's value. */
static void write_headers(char prefix, const char *data, size_t size) {
    static const char token[] = "x-amz-security-token:";
    size_t start = 0;
    while (start < size) {
        size_t end = start;
        while (end < size && data[end] != '\n') end++;
        size_t length = end - start;
        if (length >= sizeof token - 1 && strncasecmp(data + start, token, sizeof token - 1) == 0) {
            fprintf(stderr, "%c %s (hidden)\n", prefix, token);
        } else if (length > 0) {
            fprintf(stderr, "%c %.*s\n", prefix, (int)(data[end - 1] == '\r' ? length - 1 : length), data + start);
        }
        start = end + 1;
    }
}

static int trace(CURL *handle, curl_infotype type, char *data, size_t size, void *context) {
    (void)handle;
    (void)context;
    switch (type) {
    case CURLINFO_TEXT: fprintf(stderr, "* %.*s", (int)size, data); break;
    case CURLINFO_HEADER_OUT: write_headers('>', data, size); break;
    case CURLINFO_HEADER_IN: write_headers('<', data, size); break;
    default: break;
    }
    return 0;
}

CURLcode dver_curl_trace_redacting(CURL *handle) {
    CURLcode code = curl.easy_setopt(handle, CURLOPT_DEBUGFUNCTION, trace);
    if (code != CURLE_OK) return code;
    return curl.easy_setopt(handle, CURLOPT_VERBOSE, 1L);
}
