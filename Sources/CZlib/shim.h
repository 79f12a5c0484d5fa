#ifndef MPTCP_EXPORTER_CZLIB_SHIM_H
#define MPTCP_EXPORTER_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 is a macro: expose it as a function. windowBits 31 = gzip wrapper. */
static inline int czlib_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}
#endif
