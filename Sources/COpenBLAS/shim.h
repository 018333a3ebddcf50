// Debian installs OpenBLAS's cblas.h under a per-variant include directory that pkg-config names.
#include <cblas.h>
