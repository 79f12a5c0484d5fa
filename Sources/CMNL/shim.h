#ifndef MPTCP_EXPORTER_CMNL_SHIM_H
#define MPTCP_EXPORTER_CMNL_SHIM_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <malloc.h>

/* MNL_SOCKET_BUFFER_SIZE is a function-like macro: Swift cannot import it. */
static inline size_t cmnl_socket_buffer_size(void) {
    return MNL_SOCKET_BUFFER_SIZE;
}

/* setns(2) is declared by glibc only under _GNU_SOURCE: declare it here. */
extern int setns(int fd, int nstype);
static inline int cmnl_setns_net(int fd) {
    return setns(fd, 0x40000000 /* CLONE_NEWNET */);
}

/* M_ARENA_MAX is a macro of <malloc.h>, outside Swift's Glibc module. */
static inline int cmnl_malloc_arena_max(int count) {
    return mallopt(M_ARENA_MAX, count);
}

/* renameat2(2) is declared by glibc (2.28+) only under _GNU_SOURCE. */
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);
static inline int cmnl_rename_noreplace(const char *from, const char *to) {
    return renameat2(-100 /* AT_FDCWD */, from, -100, to, 1 /* RENAME_NOREPLACE */);
}

#endif
