import AsyncHTTPClient
import NIOCore

extension HealthCheck {
    /// Up when a GET of `url` answers a status in `status` (2xx by default) and, if given, a body
    /// that contains `bodyContains`.
    ///
    /// ```swift
    /// let check = HealthCheck.http(url: "http://127.0.0.1:8080/ping", bodyContains: "pong")
    /// ```
    public static func http(
        _ name: String? = nil,
        url: String,
        status: ClosedRange<Int> = 200...299,
        bodyContains: String? = nil
    ) -> HealthCheck {
        HealthCheck(name ?? "http \(url)") {
            let request = HTTPClientRequest(url: url)
            let response: HTTPClientResponse
            do {
                response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            } catch {
                throw ProbeFailure(description: "GET \(url) failed: \(error)")
            }
            let body = try await response.body.collect(upTo: 1 << 20)
            let code = Int(response.status.code)
            guard status.contains(code) else {
                throw ProbeFailure(
                    description: "GET \(url) answered \(code), expected \(status.lowerBound)–\(status.upperBound)"
                )
            }
            if let bodyContains, !String(buffer: body).contains(bodyContains) {
                throw ProbeFailure(description: "GET \(url) answered \(code) without \"\(bodyContains)\" in its body")
            }
            return "GET \(url) answered \(code)"
        }
    }
}
