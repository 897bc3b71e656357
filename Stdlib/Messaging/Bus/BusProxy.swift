public import Ginkgo
import GinkgoZeroMQ
import Synchronization

/// The message bus's broker: publishers connect to its `publish` endpoint (XSUB), subscribers to
/// its `subscribe` endpoint (XPUB), and it relays every valid bus message between them while
/// subscriptions travel upstream. It announces both endpoints in discovery, so a ``MessageBus``
/// finds it by name — and finds the next one when it moves.
///
/// ```
/// ginkgo BusProxy                                   # bus: publish 7110, subscribe 7111
/// ginkgo BusProxy --set bus.name=events --set bus.publish_endpoint=tcp://127.0.0.1:*
/// ```
/// In code:
/// ```swift
/// let proxy = BusProxy(discovery: discovery)
/// try await proxy.start()
/// print(proxy.endpoints!.subscribe)  // tcp://127.0.0.1:7111
/// ```
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `bus.name` | `bus` | the name announced in discovery |
/// | `bus.publish_endpoint` | `tcp://127.0.0.1:7110` | where publishers connect (XSUB) |
/// | `bus.subscribe_endpoint` | `tcp://127.0.0.1:7111` | where subscribers connect (XPUB) |
/// | `bus.max_message` | `1048576` | larger messages are dropped with a log line |
///
/// A message that is not a bus message (`PROTOCOL.md`) — malformed, of another version, too
/// large — is dropped with a log line; publishers cannot be answered, and the proxy goes on.
public final class BusProxy: Service, RunnableService, @unchecked Sendable {
    @Setting("bus.name", default: "bus", help: "The bus's name in discovery")
    var busName: String
    @Setting(
        "bus.publish_endpoint",
        default: "tcp://127.0.0.1:7110",
        help: "Where publishers connect to the proxy (XSUB)"
    )
    var publishEndpoint: String
    @Setting(
        "bus.subscribe_endpoint",
        default: "tcp://127.0.0.1:7111",
        help: "Where subscribers connect to the proxy (XPUB)"
    )
    var subscribeEndpoint: String
    @Setting("bus.max_message", default: 1_048_576, help: "Largest bus message in bytes; larger ones are dropped")
    var maxMessage: Int

    /// Where the proxy's two sockets are bound, wildcard ports resolved.
    public struct Endpoints: Sendable, Hashable {
        /// Where publishers connect.
        public var publish: String
        /// Where subscribers connect.
        public var subscribe: String
    }

    private struct Running {
        var sockets: [Socket]
        var endpoints: Endpoints
        var announcer: Announcer
    }

    private let discovery: Discovery
    /// Read by the announcer that a start adds.
    private let announcerSettings = AnnouncerSettings()
    private let running = Mutex<Running?>(nil)

    /// A proxy configured by the `bus.*` settings, with its own ``Discovery``.
    public required init() {
        self.discovery = Discovery()
        super.init(name: "bus")
        addService(discovery)
    }

    /// A proxy announced through `discovery` (its own, configured by the settings, when `nil`).
    public init(discovery: Discovery?, name: String? = nil) {
        self.discovery = discovery ?? Discovery()
        super.init(name: name ?? "bus")
        if discovery == nil { addService(self.discovery) }
    }

    /// Where the proxy is bound; `nil` unless running.
    public var endpoints: Endpoints? { running.withLock { $0?.endpoints } }

    override public func doStart() async throws {
        let limit = maxMessage
        let upstream = try Socket(.xsub)
        let downstream: Socket
        do {
            downstream = try Socket(.xpub)
        } catch {
            upstream.close()
            throw error
        }
        let endpoints: Endpoints
        do {
            try upstream.setOption(.maxMessageSize, IncomingMessage.frameLimit(for: limit))
            for socket in [upstream, downstream] { try socket.setOption(.linger, .zero) }
            try upstream.bind(publishEndpoint)
            try downstream.bind(subscribeEndpoint)
            endpoints = Endpoints(
                publish: upstream.lastEndpoint ?? publishEndpoint,
                subscribe: downstream.lastEndpoint ?? subscribeEndpoint
            )
        } catch {
            upstream.close()
            downstream.close()
            throw error
        }
        spawn { try await self.relayPublications(from: upstream, to: downstream, limit: limit) }
        spawn { try await self.relaySubscriptions(from: downstream, to: upstream) }
        let announcer = try await announce(
            busName,
            endpoints: ["publish": endpoints.publish, "subscribe": endpoints.subscribe],
            discovery: discovery
        )
        running.withLock { $0 = Running(sockets: [upstream, downstream], endpoints: endpoints, announcer: announcer) }
        logger.info("Bus \(busName) relaying from \(endpoints.publish) to \(endpoints.subscribe).")
    }

    override public func doStop() async throws {
        guard let current = running.withLock({ $0.take() }) else { return }
        removeService(current.announcer)
        for socket in current.sockets { socket.close() }
    }

    private func relayPublications(from upstream: Socket, to downstream: Socket, limit: Int) async throws {
        while true {
            var valid: [Message] = []
            for message in try await upstream.receive(upTo: 256) {
                do {
                    _ = try BusWire.parse(message, limit: limit)
                    valid.append(message)
                } catch {
                    logger.warning("Dropped a message that is not a bus message: \(error.error)")
                }
            }
            try await downstream.send(contentsOf: valid)
        }
    }

    /// XPUB hands up each (un)subscription as a message; XSUB passes it on to the publishers.
    private func relaySubscriptions(from downstream: Socket, to upstream: Socket) async throws {
        for try await subscription in downstream.messages {
            try await upstream.send(subscription)
        }
    }
}
