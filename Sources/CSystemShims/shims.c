#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include "CSystemShims.h"

int dver_start_writeback(int fd, int64_t offset, int64_t count) {
#ifdef SYNC_FILE_RANGE_WRITE
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

short dver_posix_spawn_setsid_flag(void) {
    return POSIX_SPAWN_SETSID;
}

int dver_release_free_heap_pages(void) {
    return malloc_trim(0);
}
