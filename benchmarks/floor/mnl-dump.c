/*
 * The floor for the connections benchmark: what a minimal C program using
 * libmnl pays to dump the same sockets as the connections collector
 * (MPTCP and TCP, IPv4 and IPv6, with INET_DIAG_INFO) and discard them.
 * Build: gcc -O2 -o mnl-dump mnl-dump.c -lmnl
 * Usage: mnl-dump [iterations [--per-iteration]]
 * With --per-iteration it prints, for each iteration, the wall and CPU time
 * of its four dumps in milliseconds ("wall_ms cpu_ms"): the floor without
 * the process start, comparable to a collection inside a running exporter.
 */
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static long messages;

static int count_cb(const struct nlmsghdr *nlh, void *data) {
    (void)nlh; (void)data;
    messages++;
    return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, unsigned portid, int family, unsigned protocol, unsigned seq) {
    char buf[32768];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
    req->sdiag_family = family;
    req->sdiag_protocol = protocol & 0xff;
    req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
    req->idiag_states = ~0u;
    if (protocol > 255) mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, protocol);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return -1;
    int ret;
    while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
        ret = mnl_cb_run(buf, ret, seq, portid, count_cb, NULL);
        if (ret <= MNL_CB_STOP) break;
    }
    return ret;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 1;
    int per_iteration = argc > 2 && strcmp(argv[2], "--per-iteration") == 0;
    struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) { perror("mnl_socket"); return 1; }
    unsigned portid = mnl_socket_get_portid(nl), seq = (unsigned)time(NULL);
    for (int i = 0; i < iterations; i++) {
        double wall0 = now_ms(), cpu0 = cpu_ms();
        const int families[] = {AF_INET, AF_INET6};
        for (int f = 0; f < 2; f++) {
            if (dump(nl, portid, families[f], 262, ++seq) < 0) { perror("mptcp dump"); return 1; }
            if (dump(nl, portid, families[f], IPPROTO_TCP, ++seq) < 0) { perror("tcp dump"); return 1; }
        }
        if (per_iteration) printf("%.3f %.3f\n", now_ms() - wall0, cpu_ms() - cpu0);
    }
    fprintf(stderr, "%ld messages\n", messages / (iterations > 0 ? iterations : 1));
    mnl_socket_close(nl);
    return 0;
}
