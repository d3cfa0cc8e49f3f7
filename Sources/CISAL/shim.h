#ifndef KUBESIFT_CISAL_SHIM_H
#define KUBESIFT_CISAL_SHIM_H
// ISA-L's inflate (igzip), about twice as fast as zlib's: it inflates `.gz` input files before
// libarchive sees their content (see GzipInflatingSource.swift).
#include <isa-l/igzip_lib.h>
#endif
