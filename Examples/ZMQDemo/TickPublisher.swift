import Ginkgo
import GinkgoZeroMQ

/// Publishes `["tick", counter]` once a second on `tcp://127.0.0.1:5556`.
final class TickPublisher: Service, RunnableService, @unchecked Sendable {
    let publisher = Publisher(.bind("tcp://127.0.0.1:5556"))

    required init() {
        super.init()
        addService(publisher)
    }

    override func doStart() async throws {
        spawn {
            var counter = 0
            while true {
                counter += 1
                try await self.publisher.publish(topic: "tick", Frame(String(counter)))
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
