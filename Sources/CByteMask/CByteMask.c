// The module is the header's inline functions; this file makes the target a C target and
// compiles the header once on its own.
#include "CByteMask.h"
