import Ginkgo

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
    func attach(_ socket: Socket, settings: Settings) throws(ZMQError) -> [String] {
        var resolved: [String] = []
        for address in endpoint.addresses(in: settings) {
            switch self {
            case .bind:
                try socket.bind(address)
            case .connect:
                try socket.connect(address)
            }
            resolved.append(socket.lastEndpoint ?? address)
        }
        return resolved
    }
}
