/* LD_PRELOAD shim for the benchmark's S3 servers: sets TCP_NODELAY on every accepted connection.
 *
 *   cc -O2 -shared -fPIC -o nodelay.so nodelay.c -ldl
 *   LD_PRELOAD=/path/nodelay.so s3s-fs ...
 *
 * s3s-fs 0.14.1 (hyper) does not set TCP_NODELAY, so on a kept-alive connection the body of every
 * GET response waits for the client's delayed ACK of the header segment (Nagle): ~44 ms per GET,
 * 0.4 ms per HEAD, measured here with a keep-alive client. That would time the server's socket
 * options, not the tools (production S3 front ends do not stall like this), so run.sh preloads
 * this into the servers unless FERRY_BENCH_COPY_NODELAY=0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

int accept(int s, struct sockaddr *a, socklen_t *l) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    int fd = real(s, a, l);
    nodelay(fd);
    return fd;
}

int accept4(int s, struct sockaddr *a, socklen_t *l, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    int fd = real(s, a, l, flags);
    nodelay(fd);
    return fd;
}
