/* Row 5 main reference: request/reply with many calls in flight over raw DEALER/ROUTER in C,
 * the same messages as Ginkgo's RPC (a header frame and a payload frame; the header carries the
 * call's id), without JSON or a framework: the ROUTER sends each request straight back.
 *   rpc_bench server ENDPOINT
 *   rpc_bench client ENDPOINT CALLS INFLIGHT     prints `rate <calls/s>` and `p99 <µs>`
 * Built by Benchmarks/run: gcc -O2 rpc_bench.c -lzmq */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static const char params[] = "{\"n\":42,\"text\":\"sixteen bytes...\"}";

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

/* Echoes every message (routing id, header, payload) back to its sender. */
static void server(void *socket) {
    zmq_msg_t part;
    zmq_msg_init(&part);
    for (;;) {
        int more;
        do {
            check(zmq_msg_recv(&part, socket, 0), "receive");
            more = zmq_msg_more(&part);
            check(zmq_msg_send(&part, socket, more ? ZMQ_SNDMORE : 0), "send");
        } while (more);
    }
}

static void send_call(void *socket, long id) {
    char header[96];
    int length = snprintf(header, sizeof header, "{\"encoding\":\"json\",\"id\":\"%ld\",\"kind\":\"request\",\"method\":\"echo\",\"v\":1}", id);
    check(zmq_send(socket, header, length, ZMQ_SNDMORE), "send");
    check(zmq_send(socket, params, sizeof params - 1, 0), "send");
}

/* Returns the id of the reply received. */
static long receive_reply(void *socket) {
    char header[128], payload[128];
    int length = zmq_recv(socket, header, sizeof header - 1, 0);
    check(length, "receive");
    header[length < (int)sizeof header - 1 ? length : (int)sizeof header - 1] = 0;
    check(zmq_recv(socket, payload, sizeof payload, 0), "receive");
    const char *id = strstr(header, "\"id\":\"");
    return id ? atol(id + 6) : -1;
}

static void client(void *socket, long calls, long in_flight) {
    double *sent = calloc(calls + 1, sizeof(double));
    double *trips = malloc(calls * sizeof(double));
    send_call(socket, calls); /* warm-up: waits for the server */
    receive_reply(socket);
    double started = now();
    long launched = 0, done = 0;
    for (; launched < in_flight && launched < calls; launched++) {
        sent[launched] = now();
        send_call(socket, launched);
    }
    while (done < calls) {
        long id = receive_reply(socket);
        trips[done++] = now() - sent[id];
        if (launched < calls) {
            sent[launched] = now();
            send_call(socket, launched);
            launched++;
        }
    }
    double elapsed = now() - started;
    qsort(trips, calls, sizeof(double), by_value);
    printf("rate %f\np99 %f\n", calls / elapsed, trips[calls * 99 / 100] * 1e6);
    free(sent);
    free(trips);
}

int main(int argc, char **argv) {
    void *context = zmq_ctx_new();
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        void *socket = zmq_socket(context, ZMQ_ROUTER);
        check(zmq_bind(socket, argv[2]), "bind");
        server(socket);
    } else if (argc == 5 && strcmp(argv[1], "client") == 0) {
        void *socket = zmq_socket(context, ZMQ_DEALER);
        check(zmq_connect(socket, argv[2]), "connect");
        client(socket, atol(argv[3]), atol(argv[4]));
        int linger = 0;
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(socket);
        zmq_ctx_term(context);
    } else {
        fprintf(stderr, "usage: rpc_bench server ENDPOINT | rpc_bench client ENDPOINT CALLS INFLIGHT\n");
        return 64;
    }
    return 0;
}
