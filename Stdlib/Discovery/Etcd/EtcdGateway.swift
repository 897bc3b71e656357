import AsyncHTTPClient
import Foundation
import Ginkgo
import Logging
import NIOCore
import Synchronization

/// Speaks etcd v3's HTTP/JSON gateway (`POST /v3/...` with JSON bodies) through one
/// `HTTPClient`, trying the endpoints in turn while one cannot be reached.
///
/// The client has no read timeout, because a watch stream may be quiet for hours; a call is
/// bounded by ``timeout`` as a whole instead.
final class EtcdGateway: Sendable {
    /// The endpoints as given, without a trailing `/`.
    let endpoints: [String]
    /// How long one call to one endpoint may take.
    let timeout: Duration
    private let client: HTTPClient
    private let logger: Logger
    /// The index of the endpoint that answered last: calls start there.
    private let preferred = Mutex(0)

    /// The largest answer read whole; a range of every instance fits many times over.
    static let maximumAnswer = 64 << 20

    init(endpoints: [String], timeout: Duration, logger: Logger) throws {
        guard !endpoints.isEmpty else {
            throw DiscoveryError(.configuration, "etcd: no endpoints given; set discovery.endpoints")
        }
        self.endpoints = try endpoints.map(Self.validate)
        self.timeout = timeout
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(timeout), read: nil)
        // A watch holds a connection for as long as it runs; the default 8 per host would queue
        // every call behind the eighth watch.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection fails at once, so the next endpoint is tried without waiting.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Posts `request` to `path` and decodes the answer.
    ///
    /// - Throws: ``DiscoveryError``: what etcd said when it refused, or ``DiscoveryError/Code/unreachable``
    ///   naming every endpoint and why it failed.
    func call<Response: Decodable>(
        _ path: String,
        _ request: some Encodable,
        as type: Response.Type = Response.self
    ) async throws -> Response {
        let body = try JSONEncoder().encode(request)
        return try await eachEndpoint(path) { endpoint in
            let timeout = self.timeout
            let (status, answer) = try await withTimeout(timeout) {
                let response = try await self.client.execute(
                    Self.post(endpoint + path, body),
                    timeout: TimeAmount(timeout)
                )
                return (response.status.code, try await response.body.collect(upTo: Self.maximumAnswer))
            }
            guard status == 200 else {
                throw Self.refusal(status: status, body: answer, endpoint: endpoint, path: path)
            }
            return try Self.decode(Response.self, answer, endpoint: endpoint, path: path)
        }
    }

    /// Posts `request` to the streaming `path` and returns the answer's body to read as it
    /// comes, with the endpoint that answered. Only the answer's head is bounded in time.
    func open(_ path: String, _ request: some Encodable) async throws -> (
        endpoint: String, body: HTTPClientResponse.Body
    ) {
        let body = try JSONEncoder().encode(request)
        return try await eachEndpoint(path) { endpoint in
            let response = try await self.client.execute(
                Self.post(endpoint + path, body),
                timeout: TimeAmount(self.timeout)
            )
            guard response.status.code == 200 else {
                let answer = try await withTimeout(self.timeout) {
                    try await response.body.collect(upTo: Self.maximumAnswer)
                }
                throw Self.refusal(status: response.status.code, body: answer, endpoint: endpoint, path: path)
            }
            return (endpoint, response.body)
        }
    }

    /// Closes every connection; calls fail afterwards.
    func shutdown() async {
        do {
            try await client.shutdown()
        } catch {
            logger.debug("etcd: HTTP client shutdown failed", metadata: ["error": "\(error)"])
        }
    }

    /// Starts closing the connections of a gateway that was never shut down, without waiting.
    func abandon() {
        client.shutdown().whenFailure { _ in }
    }

    /// Runs `operation` against each endpoint, from the preferred one on, until one answers or
    /// refuses; an endpoint that cannot be reached (or says it is unavailable) passes the call on.
    private func eachEndpoint<T>(_ path: String, _ operation: (String) async throws -> T) async throws -> T {
        let start = preferred.withLock { $0 }
        var failures: [String] = []
        for offset in endpoints.indices {
            let index = (start + offset) % endpoints.count
            let endpoint = endpoints[index]
            do {
                let result = try await operation(endpoint)
                if offset > 0 { preferred.withLock { $0 = index } }
                return result
            } catch let error as DiscoveryError where error.code != .unreachable {
                throw error
            } catch {
                try Task.checkCancellation()
                if let error = error as? HTTPClientError, error == .alreadyShutdown {
                    throw DiscoveryError(.unreachable, "etcd: the backend is stopped (its run() has ended)")
                }
                let reason = Self.describe(error, endpoint: endpoint, timeout: timeout)
                if index != (start + endpoints.count - 1) % endpoints.count {
                    logger.debug("etcd: endpoint failed, trying the next", metadata: ["error": "\(reason)"])
                }
                failures.append(reason)
            }
        }
        throw DiscoveryError(.unreachable, "etcd unreachable for \(path): \(failures.joined(separator: "; "))")
    }

    private static func post(_ url: String, _ body: Data) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    private static func validate(_ endpoint: String) throws -> String {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme), url.host != nil,
            url.path.isEmpty
        else {
            throw DiscoveryError(
                .configuration,
                "etcd: endpoint '\(endpoint)' is not a URL like http://127.0.0.1:2379"
            )
        }
        return trimmed
    }
}
