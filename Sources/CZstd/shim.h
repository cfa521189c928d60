#ifndef DVER_CZSTD_SHIM_H
#define DVER_CZSTD_SHIM_H
#include <zstd.h>
#endif
