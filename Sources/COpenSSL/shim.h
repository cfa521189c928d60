#ifndef DVER_COPENSSL_SHIM_H
#define DVER_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#endif
