import CZeroMQ
import Foundation
import Ginkgo
import Logging
import Synchronization

/// A broker between two sets of peers, run by libzmq's own `zmq_proxy_steerable` on a thread
/// of its own.
///
/// ```swift
/// // Publishers connect to 5559, subscribers to 5560.
/// let bus = Proxy(.forwarder, frontend: .bind("tcp://127.0.0.1:5559"), backend: .bind("tcp://127.0.0.1:5560"))
/// // REQ/DEALER clients connect to 5561; Repliers connect to 5562.
/// let queue = Proxy(.queue, frontend: .bind("tcp://127.0.0.1:5561"), backend: .bind("tcp://127.0.0.1:5562"))
/// ```
/// With a `capture` endpoint, a PUB socket there gets a copy of every message that passes.
/// Stopping sends the proxy `TERMINATE` and waits for its thread.
public final class Proxy: Service, @unchecked Sendable {
    /// The pattern a proxy relays.
    public enum Kind: Sendable {
        /// XSUB frontend (publishers connect) to XPUB backend (subscribers connect); subscriptions
        /// travel back upstream.
        case forwarder
        /// ROUTER frontend (clients connect) to DEALER backend (repliers connect): requests are
        /// shared among the repliers and the replies find their way back.
        case queue
        /// PULL frontend to PUSH backend: a pipeline stage.
        case streamer

        var sockets: (frontend: SocketType, backend: SocketType) {
            switch self {
            case .forwarder: (.xsub, .xpub)
            case .queue: (.router, .dealer)
            case .streamer: (.pull, .push)
            }
        }
    }

    private struct Running {
        let control: Socket
        let finished: Completion
        let endpoints: Endpoints
    }

    /// Where the proxy's sockets are attached once it is ready, wildcard ports resolved.
    public struct Endpoints: Sendable, Hashable {
        /// The frontend's endpoints.
        public var frontend: [String]
        /// The backend's endpoints.
        public var backend: [String]
        /// The capture socket's endpoints, if any.
        public var capture: [String]
    }

    /// The pattern relayed.
    public let kind: Kind
    /// The context the sockets are opened in.
    public let context: Context
    let frontend: Attachment
    let backend: Attachment
    let capture: Attachment?
    /// Declared so that `--help` and configuration checks see the endpoints' settings.
    let frontendSetting: Setting<String>?
    let backendSetting: Setting<String>?
    let captureSetting: Setting<String>?
    private let running = Mutex<Running?>(nil)
    private static let sequence = Atomic<Int>(0)

    /// A proxy of `kind` between `frontend` and `backend`, optionally copying every message to a
    /// PUB socket at `capture`.
    public init(
        _ kind: Kind,
        frontend: Attachment,
        backend: Attachment,
        capture: Attachment? = nil,
        context: Context = .shared,
        name: String? = nil
    ) {
        self.kind = kind
        self.frontend = frontend
        self.backend = backend
        self.capture = capture
        self.frontendSetting = frontend.endpoint.setting
        self.backendSetting = backend.endpoint.setting
        self.captureSetting = capture?.endpoint.setting
        self.context = context
        if let name { super.init(name: name) } else { super.init() }
    }

    /// Where the sockets are attached; `nil` unless the proxy is running.
    public var endpoints: Endpoints? { running.withLock { $0?.endpoints } }

    override public func doStart() async throws {
        let number = Self.sequence.add(1, ordering: .relaxed).newValue
        let controlAddress = "inproc://ginkgo-proxy-\(ObjectIdentifier(self).hashValue)-\(number)"
        let control = try Socket(.pair, context: context)
        try control.bind(controlAddress)
        let plan = ProxyThread.Plan(
            sockets: kind.sockets,
            frontend: (frontend, frontend.endpoint.addresses(in: settings)),
            backend: (backend, backend.endpoint.addresses(in: settings)),
            capture: capture.map { ($0, $0.endpoint.addresses(in: settings)) },
            control: controlAddress,
            linger: context.defaultLinger
        )
        let finished = Completion()
        let logger = self.logger
        let attached: Endpoints
        do {
            attached = try await ProxyThread.start(plan, in: context) { error in
                if let error { logger.error("Proxy ended: \(error)") }
                finished.finish()
            }
        } catch {
            control.close()
            throw error
        }
        running.withLock { $0 = Running(control: control, finished: finished, endpoints: attached) }
        logger.debug(
            "Proxy running.",
            metadata: ["frontend": "\(attached.frontend)", "backend": "\(attached.backend)"]
        )
    }

    override public func doStop() async throws {
        guard let current = running.withLock({ $0.take() }) else { return }
        try? await current.control.send(["TERMINATE"])
        await current.finished.wait()
        current.control.close()
    }
}
