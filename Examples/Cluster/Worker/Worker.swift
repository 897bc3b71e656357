import Foundation
import Ginkgo
import GinkgoNet
import GinkgoStdlib

/// What `hello` is called with: `{"name": "Ada"}`, or `{}`.
struct Greeting: Codable, Sendable {
    var name: String?
}

/// What `hello` answers: the greeting and the worker that made it.
struct Hello: Codable, Sendable {
    var message: String
    var worker: String
}

/// The cluster's worker: an RPC server announced as `worker`, answering `hello`, with its health
/// on `/health` and in discovery.
final class Worker: Service, RunnableService, @unchecked Sendable {
    @Setting("announce.id", default: "", help: "This worker's instance id (default HOST-PID)")
    var instanceID: String

    let server = RPCServer(name: "worker")

    required init() {
        super.init(name: "worker")
        let server = self.server
        let health = HealthMonitor(checks: [.service(server)], announcer: { server.announcer })
        addService(server)
        addService(health)
        addService(HealthEndpoint(monitor: health, port: .setting("health.port", default: 0)))
        server.handle("hello") { [unowned self] (greeting: Greeting) in
            Hello(message: "Hello, \(greeting.name ?? "world")!", worker: self.label)
        }
    }

    /// `worker-2 (pid 1234)`: who answered.
    var label: String {
        let id = instanceID.isEmpty ? "\(ProcessInfo.processInfo.hostName)-\(getpid())" : instanceID
        return "\(id) (pid \(getpid()))"
    }
}
