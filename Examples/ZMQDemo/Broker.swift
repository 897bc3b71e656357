import Ginkgo
import GinkgoZeroMQ

/// A request queue: REQ/DEALER clients connect to `broker.frontend`, repliers to
/// `broker.backend`, and each request goes to one replier.
final class Broker: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(
            Proxy(
                .queue,
                frontend: .bind(.setting("broker.frontend", default: "tcp://127.0.0.1:5559")),
                backend: .bind(.setting("broker.backend", default: "tcp://127.0.0.1:5560"))
            )
        )
    }
}
