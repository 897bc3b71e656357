import Ginkgo
import GinkgoZeroMQ

extension HealthCheck {
    /// Up when the messaging service at `endpoint` (an RPC server, a worker: anything speaking
    /// `Stdlib/Messaging/PROTOCOL.md`) answers a `heartbeat`.
    ///
    /// ```swift
    /// let check = HealthCheck.zeroMQ(endpoint: "tcp://127.0.0.1:7200")
    /// ```
    public static func zeroMQ(_ name: String? = nil, endpoint: String) -> HealthCheck {
        HealthCheck(name ?? "zmq \(endpoint)") {
            _ = try await exchange(with: endpoint, .heartbeat) { $0.kind == .heartbeat }
            return "\(endpoint) answered a heartbeat"
        }
    }

    /// Sends a message of `kind` (with `method` and `payload`) to `endpoint` on a DEALER of its
    /// own, and returns the first answer with the same id that `isAnswer` accepts.
    static func exchange(
        with endpoint: String,
        _ kind: MessagingEnvelope.Kind,
        method: String? = nil,
        payload: [UInt8] = [],
        isAnswer: (MessagingEnvelope) -> Bool
    ) async throws -> (MessagingEnvelope, [UInt8]) {
        let socket = try Socket(.dealer)
        defer { socket.close() }
        try socket.setOption(.linger, .zero)
        try socket.connect(endpoint)
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await socket.send(MessagingEnvelope(kind: kind, id: id, method: method).message(payload: payload))
        while true {
            let (header, body) = try MessagingEnvelope.parse(try await socket.receive())
            if header.id == id && isAnswer(header) { return (header, body) }
        }
    }
}
