import Ginkgo
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A TCP server as a service: it hands each client's ``Connection`` to a handler, one task per
/// connection.
///
/// ```swift
/// final class HelloWorldServer: Service, @unchecked Sendable {
///     init() {
///         super.init()
///         addService(StreamServer(port: .setting("hello.port", default: 7000)) { connection in
///             while !connection.isDraining {
///                 try await connection.write("Hello World\n")
///                 try await Task.sleep(for: .seconds(1))
///             }
///         })
///     }
/// }
/// ```
/// Port 0 binds an ephemeral port; ``port`` tells which once the server is ready. A handler that
/// throws ends its own connection only; the error is logged with the peer's address. `stop()`
/// closes the listener, lets handlers finish within ``Configuration/drainTimeout``, then
/// cancels them.
///
/// Thread safety: mutable state is one `Mutex`; everything else is immutable.
open class StreamServer: Ginkgo.Service, @unchecked Sendable {
    /// Serves one connection; returning (or throwing) closes it.
    public typealias Handler = @Sendable (Connection) async throws -> Void

    /// The address to listen on: `0.0.0.0` for every IPv4 interface.
    public let host: Configurable<String>
    /// The port to listen on; 0 for an ephemeral one.
    public let requestedPort: Configurable<Int>
    /// Backlog, connection limits, timeouts, TLS and executor.
    public let configuration: Configuration
    private let handler: Handler

    // Stored so `--help` and start-time validation see them.
    private let hostSetting: Setting<String>?
    private let portSetting: Setting<Int>?
    private let executorSetting = NetExecutor.setting

    private typealias Listener = NIOAsyncChannel<ConnectionBridge, Never>

    private struct State {
        var listener: Listener?
        var port: Int?
        var drain = DrainSignal()
        var served: AsyncStream<Void>?
        var active = 0
        var refused = 0
        /// The connections being served, whose reads a cancelled serve task ends.
        var bridges: [ObjectIdentifier: ConnectionBridge] = [:]
        var readsCancelled = false
    }
    private let server = Mutex(State())

    /// A server on `host` and `port` that runs `handler` for each connection.
    public init(
        host: Configurable<String> = "0.0.0.0",
        port: Configurable<Int>,
        configuration: Configuration = Configuration(),
        handler: @escaping Handler
    ) {
        self.host = host
        self.requestedPort = port
        self.configuration = configuration
        self.handler = handler
        self.hostSetting = host.declaredSetting
        self.portSetting = port.declaredSetting
        super.init()
    }

    /// The bound port once the server is ready (the real one when port 0 was asked for).
    public var port: Int? { server.withLock { $0.port } }

    /// How many connections are being served now.
    public var activeConnections: Int { server.withLock { $0.active } }

    /// How many connections were refused because ``Configuration/maxConnections`` were open.
    public var refusedConnections: Int { server.withLock { $0.refused } }

    override open func doStart() async throws {
        let host = self.host.resolve(in: settings)
        let port = requestedPort.resolve(in: settings)
        let endpoint = "\(host):\(port)"
        let options = ChannelSetup.Options(
            serverTLS: try configuration.tls?.makeContext(endpoint: endpoint),
            idleTimeout: configuration.idleTimeout
        )
        let listener: Listener
        do {
            listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try ChannelSetup.wrap(channel, options) }
                }
        } catch {
            throw NetError(
                .bind,
                endpoint: endpoint,
                reason: "is the port in use, or the host not local?",
                underlying: error
            )
        }
        let executor = NetExecutor.resolve(configuration.executor, in: self)
        let (served, servedContinuation) = AsyncStream<Void>.makeStream()
        let drain = DrainSignal()
        let boundPort = listener.channel.localAddress?.port
        server.withLock { state in
            state.listener = listener
            state.port = boundPort
            state.drain = drain
            state.readsCancelled = false
            state.served = served
            state.active = 0
            state.refused = 0
        }
        logger.info(
            "Listening.",
            metadata: ["host": "\(host)", "port": "\(boundPort ?? port)", "executor": "\(executor)"]
        )
        spawn {
            defer { servedContinuation.finish() }
            try await self.serve(listener, executor: executor, drain: drain)
        }
    }

    override open func doStop() async throws {
        let (listener, served, drain) = server.withLock { state in
            defer {
                state.listener = nil
                state.served = nil
            }
            return (state.listener, state.served, state.drain)
        }
        drain.begin()
        try? await listener?.channel.close()
        guard let served else { return }
        let drained = await Self.waitForEnd(of: served, timeout: configuration.drainTimeout)
        if !drained {
            logger.warning(
                "Handlers did not finish in time; cancelling them.",
                metadata: ["drainTimeout": "\(configuration.drainTimeout)", "connections": "\(activeConnections)"]
            )
        }
    }

    /// Accepts connections and serves each in a task of its own, until the listener closes.
    ///
    /// When this task is cancelled (a stop past its drain timeout), the handlers' tasks are too,
    /// and their reads end here: one cancellation handler for the server, not one per connection,
    /// which made each connection's task take a second slab of task memory (1 KiB; 1 MiB more
    /// resident with 1,000 connections).
    private func serve(_ listener: Listener, executor: NetExecutor, drain: DrainSignal) async throws {
        try await withTaskCancellationHandler {
            try await accept(on: listener, executor: executor, drain: drain)
        } onCancel: {
            let bridges = server.withLock { state in
                state.readsCancelled = true
                return Array(state.bridges.values)
            }
            for bridge in bridges { bridge.cancelReads() }
        }
    }

    private func accept(on listener: Listener, executor: NetExecutor, drain: DrainSignal) async throws {
        try await listener.executeThenClose { inbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await child in inbound {
                        guard admit(child) else {
                            refuse(child)
                            group.addTask { await child.close() }
                            continue
                        }
                        if let preferred = executor.taskExecutor(for: child.channel.eventLoop) {
                            group.addTask(executorPreference: preferred) { await self.handle(child, drain: drain) }
                        } else {
                            group.addTask { await self.handle(child, drain: drain) }
                        }
                    }
                } catch {
                    logger.debug("Listener ended: \(error)")
                }
            }
        }
    }

    private func handle(_ child: ConnectionBridge, drain: DrainSignal) async {
        defer {
            server.withLock { state in
                state.active -= 1
                state.bridges[ObjectIdentifier(child)] = nil
            }
        }
        let connection = Connection(bridge: child, maxLineLength: configuration.maxLineLength, drain: drain)
        do {
            try await handler(connection)
            try await connection.flush()
        } catch {
            logEnd(of: connection, by: error)
        }
        await child.close()
    }

    /// Logs a handler's error: at debug when it was cancelled or its peer left (routine for a
    /// server: port probes, clients that give up), else as a warning. Out of line and not async:
    /// in `handle` its locals made the frame of every connection's task 1,088 bytes (80 without),
    /// which took the task past its first block of task memory: 1 MiB more with 1,000 connections.
    @inline(never)
    private func logEnd(of connection: Connection, by error: any Error) {
        let metadata: Logger.Metadata = ["peer": "\(connection.peer)", "error": "\(error)"]
        if error is CancellationError {
            logger.debug("Connection cancelled.", metadata: metadata)
        } else if NetError.saysThePeerLeft(error) {
            logger.debug("The peer left before its handler ended.", metadata: metadata)
        } else {
            logger.warning("Connection ended by an error.", metadata: metadata)
        }
    }

    /// Counts a new connection in, unless the limit is reached; its reads end at once if the
    /// server's serve task was cancelled already.
    private func admit(_ child: ConnectionBridge) -> Bool {
        let (admitted, cancelled) = server.withLock { state in
            if let limit = configuration.maxConnections, state.active >= limit { return (false, false) }
            state.active += 1
            state.bridges[ObjectIdentifier(child)] = child
            return (true, state.readsCancelled)
        }
        if cancelled { child.cancelReads() }
        return admitted
    }

    /// Counts and logs a refused connection; the caller closes it.
    private func refuse(_ child: ConnectionBridge) {
        let refused = server.withLock { state in
            state.refused += 1
            return state.refused
        }
        logger.warning(
            "Connection refused: too many connections.",
            metadata: [
                "peer": "\(child.channel.remoteAddress.map(Connection.describe) ?? "unknown peer")",
                "maxConnections": "\(configuration.maxConnections ?? 0)",
                "refused": "\(refused)",
            ]
        )
    }

    /// Waits until `stream` finishes or `timeout` passes; `true` if it finished.
    static func waitForEnd(of stream: AsyncStream<Void>, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream {}
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
