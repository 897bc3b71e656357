// libzmq for Swift: the C API, as Debian's libzmq3-dev (4.3.x) installs it, and the Linux
// readiness calls the reactor that waits on ZMQ_FD uses, and naming its thread (Glibc's module
// leaves them out).
#ifndef GINKGO_CZEROMQ_SHIM_H
#define GINKGO_CZEROMQ_SHIM_H

#include <zmq.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

/// Names the calling thread as `top -H` and `perf` show it (the kernel keeps 15 bytes).
static inline void ginkgo_name_thread(const char *name) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

#endif
