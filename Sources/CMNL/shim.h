#ifndef MPTCP_EXPORTER_CMNL_SHIM_H
#define MPTCP_EXPORTER_CMNL_SHIM_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

/* MNL_SOCKET_BUFFER_SIZE is a function-like macro: Swift cannot import it. */
static inline size_t cmnl_socket_buffer_size(void) {
    return MNL_SOCKET_BUFFER_SIZE;
}

#endif
