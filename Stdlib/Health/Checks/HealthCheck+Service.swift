public import Ginkgo

extension HealthCheck {
    /// Up while `service` is ready in its tree; its output is the service's state.
    ///
    /// ```swift
    /// let check = HealthCheck.service(server)
    /// ```
    public static func service(_ service: Service, name: String? = nil) -> HealthCheck {
        HealthCheck(name ?? "service \(service.path)", interval: .seconds(1), failures: 1, successes: 1) {
            let state = service.state
            guard state == .ready else { throw ProbeFailure(description: "\(service.path) is \(state)") }
            return "\(service.path) is ready"
        }
    }
}
