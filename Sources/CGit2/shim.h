#ifndef DVER_CGIT2_SHIM_H
#define DVER_CGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/repository.h>
#endif
