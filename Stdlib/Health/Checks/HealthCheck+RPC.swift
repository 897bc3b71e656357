import Foundation
import Ginkgo

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
            let (header, payload) = try await exchange(
                with: endpoint,
                .request,
                method: method,
                payload: Array(params.utf8)
            ) { $0.kind == .reply || $0.kind == .error }
            guard header.kind == .reply else {
                let error = try? JSONDecoder().decode(MessagingError.self, from: Data(payload))
                throw ProbeFailure(description: "\(method) failed: \(error.map { "\($0)" } ?? "an error")")
            }
            return "\(method) answered"
        }
    }
}
