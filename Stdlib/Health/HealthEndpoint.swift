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
        let box = WeakReference<HealthEndpoint>()
        router.get("/health") { _, _ in try box.require().respond(ready: false) }
        router.get("/health/live") { _, _ in Response.json(.ok, #"{"status":"up"}"#) }
        router.get("/health/ready") { _, _ in try box.require().respond(ready: true) }
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
                ? Response.json(.ok, #"{"status":"up"}"#) : Response.json(.serviceUnavailable, #"{"status":"down"}"#)
        }
        let report = HealthReport(status: acceptsTraffic ? .up : .down, checks: monitor?.results ?? [:])
        return Response.json(report.status == .up ? .ok : .serviceUnavailable, report.json)
    }

}
