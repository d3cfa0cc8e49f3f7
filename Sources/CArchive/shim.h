#ifndef KUBESIFT_CARCHIVE_SHIM_H
#define KUBESIFT_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
