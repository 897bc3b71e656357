import Ginkgo
import GinkgoZeroMQ

/// Answers every request with its frames unchanged, on the setting `zmq.endpoint`.
///
/// ```
/// swift run zmqdemo EchoReplier --set zmq.endpoint=tcp://127.0.0.1:6000
/// ```
final class EchoReplier: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(Replier(.bind(.setting("zmq.endpoint", default: "tcp://127.0.0.1:5555"))) { request in request })
    }
}
