import Ginkgo
import GinkgoZeroMQ

/// Logs every message PUSH peers send to `tcp://127.0.0.1:5557`.
final class WorkPuller: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        let logger = self.logger
        addService(
            Puller(.bind("tcp://127.0.0.1:5557")) { message in
                logger.info("Received \(message)")
            }
        )
    }
}
