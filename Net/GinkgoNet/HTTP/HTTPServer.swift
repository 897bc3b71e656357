import Ginkgo
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// An HTTP server as a service, on Hummingbird 2: it serves a closure, or any Hummingbird
/// router or responder, the way the original mounted any WSGI application.
///
/// ```swift
/// let web = HTTPServer(port: .setting("web.port", default: 8000)) { request in
///     Response(
///         status: .ok,
///         headers: [.contentType: "text/html"],
///         body: .init(byteBuffer: ByteBuffer(string: "<strong>Hello World</strong>"))
///     )
/// }
///
/// let router = Router()
/// router.get("/") { _, _ in "Hello World!" }
/// let app = HTTPServer(port: 8000, router: router)
/// ```
/// The server is ready once it listens; ``port`` then tells the bound port (useful with port
/// 0). `stop()` stops accepting, lets in-flight requests finish within
/// ``Configuration/drainTimeout``, then cancels what is left.
///
/// Thread safety: mutable state is one `Mutex`; everything else is immutable.
open class HTTPServer: Ginkgo.Service, @unchecked Sendable {
    /// Answers one request.
    public typealias Handler = @Sendable (Request) async throws -> Response

    /// The address to listen on: `0.0.0.0` for every IPv4 interface.
    public let host: Configurable<String>
    /// The port to listen on; 0 for an ephemeral one.
    public let requestedPort: Configurable<Int>
    /// Backlog, limits, drain timeout and executor.
    public let configuration: Configuration
    private let makeApplication:
        @Sendable (ApplicationConfiguration, Logger, @escaping OnRunning) -> any ServiceLifecycle.Service

    private typealias OnRunning = @Sendable (any Channel) async -> Void

    // Stored so `--help` and start-time validation see them.
    private let hostSetting: Setting<String>?
    private let portSetting: Setting<Int>?
    private let executorSetting = NetExecutor.setting

    private struct State {
        var port: Int?
        var group: ServiceGroup?
        var served: AsyncStream<Void>?
    }
    private let server = Mutex(State())

    /// A server answering every request with `handler`.
    public convenience init(
        host: Configurable<String> = "0.0.0.0",
        port: Configurable<Int>,
        configuration: Configuration = Configuration(),
        handler: @escaping Handler
    ) {
        self.init(
            host: host,
            port: port,
            configuration: configuration,
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await handler(request) }
        )
    }

    /// A server for a Hummingbird router (or any responder builder).
    public convenience init<Router: HTTPResponderBuilder>(
        host: Configurable<String> = "0.0.0.0",
        port: Configurable<Int>,
        configuration: Configuration = Configuration(),
        router: Router
    ) where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        self.init(host: host, port: port, configuration: configuration, responder: router.buildResponder())
    }

    /// A server for any Hummingbird responder.
    public init<Responder: HTTPResponder>(
        host: Configurable<String> = "0.0.0.0",
        port: Configurable<Int>,
        configuration: Configuration = Configuration(),
        responder: Responder
    ) where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        self.host = host
        self.requestedPort = port
        self.configuration = configuration
        self.hostSetting = host.declaredSetting
        self.portSetting = port.declaredSetting
        self.makeApplication = { applicationConfiguration, logger, onRunning in
            Application(
                responder: responder,
                configuration: applicationConfiguration,
                onServerRunning: onRunning,
                logger: logger
            )
        }
        super.init()
    }

    /// The bound port once the server is ready (the real one when port 0 was asked for).
    public var port: Int? { server.withLock { $0.port } }

    override open func doStart() async throws {
        let host = self.host.resolve(in: settings)
        let port = requestedPort.resolve(in: settings)
        var applicationConfiguration = ApplicationConfiguration(
            address: .hostname(host, port: port),
            serverName: configuration.serverName,
            backlog: configuration.backlog
        )
        if let limit = configuration.maxConnections {
            applicationConfiguration.availableConnectionsDelegate = MaximumAvailableConnections(limit, logger: logger)
        }
        let (listening, listeningContinuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let application = makeApplication(applicationConfiguration, logger) { channel in
            listeningContinuation.yield(.success(channel.localAddress?.port ?? port))
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let executor = NetExecutor.resolve(configuration.executor, in: self)
        let (served, servedContinuation) = AsyncStream<Void>.makeStream()
        server.withLock { state in
            state.group = group
            state.served = served
        }
        spawn {
            defer { servedContinuation.finish() }
            do {
                if executor == .eventLoops {
                    let preferred = EventLoopTaskExecutor(group: MultiThreadedEventLoopGroup.singleton)
                    try await withTaskExecutorPreference(preferred) { try await group.run() }
                } else {
                    try await group.run()
                }
                listeningContinuation.finish()
            } catch {
                // Before listening, doStart() reports the error; after, the failure policy does.
                listeningContinuation.yield(.failure(error))
                listeningContinuation.finish()
                if self.port != nil { throw error }
            }
        }
        for await event in listening {
            let boundPort = try event.get()
            server.withLock { $0.port = boundPort }
            logger.info("Listening.", metadata: ["host": "\(host)", "port": "\(boundPort)", "executor": "\(executor)"])
            return
        }
        throw NetError(.bind, endpoint: "\(host):\(port)", reason: "the server ended before it listened")
    }

    override open func doStop() async throws {
        let (group, served) = server.withLock { state in
            defer {
                state.group = nil
                state.served = nil
                state.port = nil
            }
            return (state.group, state.served)
        }
        await group?.triggerGracefulShutdown()
        guard let served else { return }
        let drained = await StreamServer.waitForEnd(of: served, timeout: configuration.drainTimeout)
        if !drained {
            logger.warning(
                "Requests did not finish in time; cancelling them.",
                metadata: ["drainTimeout": "\(configuration.drainTimeout)"]
            )
        }
    }
}
