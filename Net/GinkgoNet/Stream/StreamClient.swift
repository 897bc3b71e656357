import Ginkgo
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A service that keeps connections to a TCP server up and hands each one to a handler.
///
/// It connects on start and, whenever a connection drops or the handler returns, connects again
/// after an exponential backoff with jitter (see ``ReconnectPolicy``), until stopped.
///
/// ```swift
/// final class HelloWorldClient: Service, @unchecked Sendable {
///     init() {
///         super.init()
///         addService(StreamClient(host: "127.0.0.1", port: 7000) { connection in
///             for try await line in connection.lines { print(line) }
///         })
///     }
/// }
/// ```
/// The client is ready once its first connection is up; with
/// ``Configuration/waitsForConnection`` false it is ready at once and connects in the
/// background. `connections:` keeps a small pool, each with its own handler call.
///
/// Thread safety: mutable state is one `Mutex`; everything else is immutable.
open class StreamClient: Ginkgo.Service, @unchecked Sendable {
    /// Uses one connection; returning (or throwing) closes it, and the client reconnects.
    public typealias Handler = @Sendable (Connection) async throws -> Void

    /// The server's host name or address.
    public let host: Configurable<String>
    /// The server's port.
    public let port: Configurable<Int>
    /// How many connections to keep up.
    public let connections: Int
    /// Timeouts, backoff, TLS and executor.
    public let configuration: Configuration
    private let handler: Handler

    // Stored so `--help` and start-time validation see them.
    private let hostSetting: Setting<String>?
    private let portSetting: Setting<Int>?
    private let executorSetting = NetExecutor.setting
    private let waitSetting = Configuration.waitSetting

    private struct State {
        var connected = 0
        var connects = 0
    }
    private let client = Mutex(State())

    /// A client of `host:port` that keeps `connections` connections, each served by `handler`.
    public init(
        host: Configurable<String> = "127.0.0.1",
        port: Configurable<Int>,
        connections: Int = 1,
        configuration: Configuration = Configuration(),
        handler: @escaping Handler
    ) {
        self.host = host
        self.port = port
        self.connections = max(connections, 1)
        self.configuration = configuration
        self.handler = handler
        self.hostSetting = host.declaredSetting
        self.portSetting = port.declaredSetting
        super.init()
    }

    /// How many connections are up now.
    public var connectedCount: Int { client.withLock { $0.connected } }

    /// How many times a connection was established since the client was created.
    public var connectCount: Int { client.withLock { $0.connects } }

    override open func doStart() async throws {
        let host = self.host.resolve(in: settings)
        let port = self.port.resolve(in: settings)
        let endpoint = "\(host):\(port)"
        let tls = try configuration.tls.map { tls in
            (context: try tls.makeContext(endpoint: endpoint), serverName: tls.serverName ?? Self.serverName(host))
        }
        let options = ChannelSetup.Options(clientTLS: tls)
        let executor = NetExecutor.resolve(configuration.executor, in: self)
        let waits = configuration.waitsForConnection ?? settings.value(of: waitSetting)
        if waits { deferReady() }
        for slot in 0..<connections {
            spawn {
                await self.keepConnected(host: host, port: port, options: options, executor: executor, slot: slot)
            }
        }
    }

    private func keepConnected(host: String, port: Int, options: ChannelSetup.Options, executor: NetExecutor, slot: Int)
        async
    {
        let clock = ContinuousClock()
        var machine = ReconnectStateMachine<ContinuousClock.Instant>(policy: configuration.reconnect)
        var random = SystemRandomNumberGenerator()
        let metadata: Logger.Metadata = ["server": "\(host):\(port)", "slot": "\(slot)"]
        while !Task.isCancelled {
            let action: ReconnectStateMachine<ContinuousClock.Instant>.Action
            do {
                let channel = try await connect(host: host, port: port, options: options)
                machine.connected(at: clock.now)
                didConnect()
                logger.debug("Connected.", metadata: metadata)
                await serve(channel, executor: executor, metadata: metadata)
                client.withLock { $0.connected -= 1 }
                action = machine.disconnected(at: clock.now, using: &random)
            } catch {
                if Task.isCancelled { return }
                action = machine.connectFailed(using: &random)
                logger.info("Cannot connect; will retry.", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            guard case .reconnect(let delay) = action, (try? await Task.sleep(for: delay)) != nil else { return }
        }
    }

    private func connect(host: String, port: Int, options: ChannelSetup.Options) async throws -> ConnectionBridge {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try ChannelSetup.wrap(channel, options) }
            }
    }

    private func serve(_ bridge: ConnectionBridge, executor: NetExecutor, metadata: Logger.Metadata) async {
        let run: @Sendable () async throws -> Void = {
            let connection = Connection(bridge: bridge, maxLineLength: self.configuration.maxLineLength, drain: nil)
            try await connection.run(self.handler)
        }
        do {
            if let preferred = executor.taskExecutor(for: bridge.channel.eventLoop) {
                try await withTaskExecutorPreference(preferred, operation: run)
            } else {
                try await run()
            }
            logger.debug("Connection ended.", metadata: metadata)
        } catch is CancellationError {
            logger.debug("Connection cancelled.", metadata: metadata)
        } catch {
            logger.info("Connection ended by an error.", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        await bridge.close()
    }

    private func didConnect() {
        let first = client.withLock { state in
            state.connected += 1
            state.connects += 1
            return state.connects == 1 || state.connected == 1
        }
        if first { setReady() }
    }

    /// The name to verify a certificate against: none for an IP address.
    private static func serverName(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}
