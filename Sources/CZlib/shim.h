#ifndef DVER_CZLIB_SHIM_H
#define DVER_CZLIB_SHIM_H
#include <zlib.h>
#endif
