public import Ginkgo
public import GinkgoNet
import Hummingbird
import Synchronization

/// Serves a daemon's health over HTTP, the way load balancers and orchestrators probe it:
///
/// | path | answers |
/// | --- | --- |
/// | `/health` | the ``HealthReport`` as JSON: 200 when up, 503 when down |
/// | `/health/live` | 200 while the process serves at all (restart it when this fails) |
/// | `/health/ready` | 200 when the tree is ready and every check is up; 503 otherwise, and from the moment a graceful stop begins, before anything drains |
///
/// ```swift
/// let health = HealthMonitor(checks: [.service(server)])
/// addService(health)
/// addService(HealthEndpoint(monitor: health, port: .setting("health.port", default: 8081)))
/// ```
public final class HealthEndpoint: Service, @unchecked Sendable {
    private let monitor: HealthMonitor?
    private let draining = Mutex(false)
    private let server: HTTPServer

    /// An endpoint reporting `monitor` (the tree's readiness alone when `nil`) on `host:port`.
    public init(
        monitor: HealthMonitor?,
        host: Configurable<String> = .setting("health.host", default: "127.0.0.1"),
        port: Configurable<Int> = .setting("health.port", default: 8081),
        name: String? = nil
    ) {
        self.monitor = monitor
        let router = Router()
        let box = EndpointReference()
        router.get("/health") { _, _ in try box.endpoint().respond(ready: false) }
        router.get("/health/live") { _, _ in Self.json(.ok, #"{"status":"up"}"#) }
        router.get("/health/ready") { _, _ in try box.endpoint().respond(ready: true) }
        server = HTTPServer(host: host, port: port, router: router)
        super.init(name: name ?? "health-endpoint")
        box.set(self)
        addService(server)
    }

    /// The bound port once ready.
    public var port: Int? { server.port }

    /// Whether `/health/ready` would answer 200 now.
    public var acceptsTraffic: Bool {
        !draining.withLock { $0 } && root.state == .ready && (monitor?.status ?? .up) == .up
    }

    override public func doStart() async throws {
        draining.withLock { $0 = false }
    }

    override public func willStop() async {
        draining.withLock { $0 = true }
        logger.info("Not ready: stopping.")
    }

    private func respond(ready: Bool) -> Response {
        if ready {
            return acceptsTraffic
                ? Self.json(.ok, #"{"status":"up"}"#) : Self.json(.serviceUnavailable, #"{"status":"down"}"#)
        }
        let report = HealthReport(status: acceptsTraffic ? .up : .down, checks: monitor?.results ?? [:])
        return Self.json(report.status == .up ? .ok : .serviceUnavailable, report.json)
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// The endpoint as the router's closures see it: set once after init, held weakly (the
    /// endpoint owns the router), read under a lock.
    private final class EndpointReference: Sendable {
        private struct Reference { weak var endpoint: HealthEndpoint? }
        private let value = Mutex(Reference())
        func set(_ endpoint: HealthEndpoint) { value.withLock { $0.endpoint = endpoint } }
        func endpoint() throws -> HealthEndpoint {
            guard let endpoint = value.withLock({ $0.endpoint }) else { throw HTTPError(.serviceUnavailable) }
            return endpoint
        }
    }
}
