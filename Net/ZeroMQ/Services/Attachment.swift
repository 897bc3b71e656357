import Ginkgo

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a service's socket binds its endpoint or connects to it.
public enum Attachment: Sendable {
    /// Accept connections on the endpoint (the stable side: servers, brokers).
    case bind(Endpoint)
    /// Connect to the endpoint (the side that comes and goes: clients, workers).
    case connect(Endpoint)

    var endpoint: Endpoint {
        switch self {
        case .bind(let endpoint), .connect(let endpoint): endpoint
        }
    }

    /// Binds or connects `socket` to every address; returns the resolved endpoints.
    ///
    /// libzmq closes a listener in the background, so a service that restarts may find its own
    /// old port still taken for a moment: a bind that fails with `EADDRINUSE` is tried again for
    /// up to a second.
    func attach(_ socket: Socket, settings: Settings) async throws -> [String] {
        var resolved: [String] = []
        for address in endpoint.addresses(in: settings) {
            switch self {
            case .bind:
                try await bind(socket, address)
            case .connect:
                try socket.connect(address)
            }
            resolved.append(socket.lastEndpoint ?? address)
        }
        return resolved
    }

    private func bind(_ socket: Socket, _ address: String) async throws {
        let deadline = ContinuousClock.now + .seconds(1)
        while true {
            let failure: ZMQError
            do {
                try socket.bind(address)
                return
            } catch {
                failure = error
            }
            guard failure.code == EADDRINUSE, ContinuousClock.now < deadline else { throw failure }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
