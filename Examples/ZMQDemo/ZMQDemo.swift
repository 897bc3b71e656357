import Ginkgo

/// `zmqdemo`: ZeroMQ services behind the Ginkgo runner.
///
/// ```
/// swift run zmqdemo EchoReplier      # answers REQ clients on zmq.endpoint (tcp://127.0.0.1:5555)
/// swift run zmqdemo TickPublisher    # publishes ["tick", n] on tcp://127.0.0.1:5556 every second
/// swift run zmqdemo WorkPuller       # logs what PUSH peers send to tcp://127.0.0.1:5557
/// swift run zmqdemo Broker           # queue: clients on 5559, repliers on 5560
/// ```
@main
struct ZMQDemo {
    static func main() {
        Runner(
            services: [EchoReplier.self, TickPublisher.self, WorkPuller.self, Broker.self],
            version: "0.1.0"
        ).main()
    }
}
