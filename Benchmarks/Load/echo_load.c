/* Row 1 load generator: CONNECTIONS connections to an echo server on 127.0.0.1:PORT, each
 * keeping DEPTH messages of SIZE bytes in flight (pipelined): every message echoed back is
 * answered with a new one. After a second of warm-up it counts the messages echoed in SECONDS
 * and prints `rate <messages/s>`. One thread and epoll, so it takes as little CPU as it can.
 *   echo_load PORT CONNECTIONS SIZE DEPTH SECONDS
 * Built by Benchmarks/run: gcc -O2 echo_load.c */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what) {
    perror(what);
    exit(1);
}

/* Writes all of `length` bytes; the in-flight bytes are few, so the socket buffer takes them. */
static void send_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t sent = send(fd, bytes, length, 0);
        if (sent < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            fail("send");
        }
        bytes += sent;
        length -= (size_t)sent;
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: echo_load PORT CONNECTIONS SIZE DEPTH SECONDS\n");
        return 64;
    }
    int port = atoi(argv[1]), connections = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    int depth = atoi(argv[4]);
    double seconds = atof(argv[5]);
    char *outgoing = malloc(size * depth);
    memset(outgoing, 'x', size * depth);
    size_t *leftover = calloc(connections, sizeof(size_t));
    int epoll = epoll_create1(0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    for (int i = 0; i < connections; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) fail("socket");
        if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) fail("connect");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)i << 32) | (uint32_t)fd};
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) < 0) fail("epoll_ctl");
        send_all(fd, outgoing, size * depth);
    }
    char incoming[65536];
    struct epoll_event events[256];
    double started = now(), measuring = started + 1.0, ends = measuring + seconds;
    long echoed = 0;
    int counting = 0;
    for (;;) {
        double t = now();
        if (!counting && t >= measuring) {
            counting = 1;
            echoed = 0;
        }
        if (t >= ends) break;
        int ready = epoll_wait(epoll, events, 256, 100);
        if (ready < 0 && errno != EINTR) fail("epoll_wait");
        for (int e = 0; e < ready; e++) {
            int i = (int)(events[e].data.u64 >> 32), fd = (int)(uint32_t)events[e].data.u64;
            ssize_t received = recv(fd, incoming, sizeof incoming, 0);
            if (received == 0) {
                fprintf(stderr, "echo_load: the server closed a connection\n");
                return 1;
            }
            if (received < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                fail("recv");
            }
            size_t total = leftover[i] + (size_t)received;
            size_t complete = total / size;
            leftover[i] = total % size;
            echoed += (long)complete;
            while (complete > 0) {
                size_t now_sending = complete > (size_t)depth ? (size_t)depth : complete;
                send_all(fd, outgoing, now_sending * size);
                complete -= now_sending;
            }
        }
    }
    printf("rate %f\n", echoed / seconds);
    return 0;
}
