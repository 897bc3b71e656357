/* Rows 3 and 4 main reference: the same test as zmq-bench, in C against libzmq, written the
 * way libzmq's own perf tools measure (zmq_msg_t per message, blocking calls).
 *   zmq_bench pull|push|rep|req ENDPOINT COUNT SIZE
 * pull prints `rate <msg/s>`; req prints `p50 <µs>` and `p99 <µs>`.
 * Built by Benchmarks/run: gcc -O2 zmq_bench.c -lzmq */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int result, const char *what) {
    if (result < 0) {
        fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
        exit(1);
    }
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void pull(void *socket, long count) {
    zmq_msg_t message;
    zmq_msg_init(&message);
    double started = 0;
    for (long i = 0; i < count; i++) {
        check(zmq_msg_recv(&message, socket, 0), "receive");
        if (i == 0) started = now();
    }
    zmq_msg_close(&message);
    printf("rate %f\n", (count - 1) / (now() - started));
}

static void push(void *socket, long count, size_t size) {
    for (long i = 0; i < count; i++) {
        zmq_msg_t message;
        check(zmq_msg_init_size(&message, size), "init");
        memset(zmq_msg_data(&message), 0x2a, size);
        check(zmq_msg_send(&message, socket, 0), "send");
    }
}

static void rep(void *socket, long count) {
    zmq_msg_t message;
    zmq_msg_init(&message);
    for (long i = 0; i < count; i++) {
        check(zmq_msg_recv(&message, socket, 0), "receive");
        check(zmq_msg_send(&message, socket, 0), "send");
    }
    zmq_msg_close(&message);
}

static void req(void *socket, long count, size_t size) {
    double *trips = malloc(count * sizeof(double));
    zmq_msg_t message;
    for (long i = 0; i < count; i++) {
        double started = now();
        check(zmq_msg_init_size(&message, size), "init");
        memset(zmq_msg_data(&message), 0x2a, size);
        check(zmq_msg_send(&message, socket, 0), "send");
        check(zmq_msg_init(&message), "init");
        check(zmq_msg_recv(&message, socket, 0), "receive");
        zmq_msg_close(&message);
        trips[i] = now() - started;
    }
    qsort(trips, count, sizeof(double), by_value);
    printf("p50 %f\np99 %f\n", trips[count / 2] * 1e6, trips[count * 99 / 100] * 1e6);
    free(trips);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: zmq_bench pull|push|rep|req ENDPOINT COUNT SIZE\n");
        return 64;
    }
    const char *mode = argv[1], *endpoint = argv[2];
    long count = atol(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    void *context = zmq_ctx_new();
    int type = !strcmp(mode, "pull") ? ZMQ_PULL
             : !strcmp(mode, "push") ? ZMQ_PUSH
             : !strcmp(mode, "rep")  ? ZMQ_REP
                                     : ZMQ_REQ;
    void *socket = zmq_socket(context, type);
    if (type == ZMQ_PULL || type == ZMQ_REP) {
        check(zmq_bind(socket, endpoint), "bind");
    } else {
        check(zmq_connect(socket, endpoint), "connect");
    }
    switch (type) {
    case ZMQ_PULL: pull(socket, count); break;
    case ZMQ_PUSH: push(socket, count, size); break;
    case ZMQ_REP: rep(socket, count); break;
    default: req(socket, count, size); break;
    }
    fflush(stdout);
    zmq_close(socket);
    zmq_ctx_term(context);
    return 0;
}
