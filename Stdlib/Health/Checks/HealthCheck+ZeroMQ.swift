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
            let socket = try Socket(.dealer)
            defer { socket.close() }
            try socket.setOption(.linger, .zero)
            try socket.connect(endpoint)
            let id = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            try await socket.send(MessagingEnvelope(kind: .heartbeat, id: id).message(payload: []))
            while true {
                let (header, _) = try MessagingEnvelope.parse(try await socket.receive())
                if header.kind == .heartbeat && header.id == id { return "\(endpoint) answered a heartbeat" }
            }
        }
    }
}
