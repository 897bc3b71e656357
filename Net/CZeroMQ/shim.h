// libzmq for Swift: the C API, as Debian's libzmq3-dev (4.3.x) installs it, and the Linux
// readiness calls the reactor that waits on ZMQ_FD uses (Glibc's module leaves them out).
#ifndef GINKGO_CZEROMQ_SHIM_H
#define GINKGO_CZEROMQ_SHIM_H

#include <zmq.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
