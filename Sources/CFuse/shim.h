#ifndef DVER_CFUSE_SHIM_H
#define DVER_CFUSE_SHIM_H
// libfuse 3 (pkg-config fuse3, Debian's libfuse3-dev). The API version must be chosen before
// fuse.h is included; 31 is libfuse 3.1's high-level path API.
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <sys/mount.h>

// fuse_new and fuse_loop_mt are macros over versioned symbols, which Swift cannot call.
static inline struct fuse *dver_fuse_new(struct fuse_args *args, const struct fuse_operations *operations,
                                         void *private_data) {
    return fuse_new(args, operations, sizeof(*operations), private_data);
}

static inline int dver_fuse_loop_mt(struct fuse *fuse) {
    return fuse_loop_mt(fuse, 0);
}

// The filesystem object passed to fuse_new, from inside a callback.
static inline void *dver_fuse_private_data(void) {
    struct fuse_context *context = fuse_get_context();
    return context ? context->private_data : 0;
}
#endif
