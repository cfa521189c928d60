#ifndef DVER_CSYSTEMSHIMS_H
#define DVER_CSYSTEMSHIMS_H

#include <stdint.h>

/// sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE): start writeback of a range
/// without waiting. Wrapped because glibc declares it only under _GNU_SOURCE. Returns 0 or -1.
int dver_start_writeback(int fd, int64_t offset, int64_t count);

/// posix_spawn's POSIX_SPAWN_SETSID flag (the child starts a session of its own), which glibc
/// defines only under _GNU_SOURCE.
short dver_posix_spawn_setsid_flag(void);

/// malloc_trim(0): returns free heap pages to the system (glibc; malloc.h is not in Swift's
/// Glibc module). Returns 1 when memory was released.
int dver_release_free_heap_pages(void);

#endif
