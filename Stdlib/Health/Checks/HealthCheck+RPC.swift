import Foundation
import Ginkgo
import GinkgoZeroMQ

extension HealthCheck {
    /// Up when the RPC server at `endpoint` answers a call of `method` with `params` (JSON) with a
    /// result, not an error: a check of the server's own work, where ``zeroMQ(_:endpoint:)`` only
    /// checks that it answers heartbeats.
    ///
    /// ```swift
    /// let check = HealthCheck.rpc(endpoint: "tcp://127.0.0.1:7200", method: "whoami")
    /// ```
    public static func rpc(_ name: String? = nil, endpoint: String, method: String, params: String = "{}")
        -> HealthCheck
    {
        HealthCheck(name ?? "rpc \(method) at \(endpoint)") {
            let socket = try Socket(.dealer)
            defer { socket.close() }
            try socket.setOption(.linger, .zero)
            try socket.connect(endpoint)
            let id = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            try await socket.send(
                MessagingEnvelope(kind: .request, id: id, method: method).message(payload: Array(params.utf8))
            )
            while true {
                let (header, payload) = try MessagingEnvelope.parse(try await socket.receive())
                guard header.id == id else { continue }
                if header.kind == .error {
                    let error = try? JSONDecoder().decode(MessagingError.self, from: Data(payload))
                    throw ProbeFailure(description: "\(method) failed: \(error.map { "\($0)" } ?? "an error")")
                }
                if header.kind == .reply { return "\(method) answered" }
            }
        }
    }
}
