#ifndef KUBESIFT_CCOMPRESSION_SHIM_H
#define KUBESIFT_CCOMPRESSION_SHIM_H
// The compression libraries libarchive itself links, used directly only to salvage the last
// readable bytes of a damaged stream (see StreamSalvager.swift).
#include <zlib.h>
#include <zstd.h>
#include <lzma.h>
#endif
