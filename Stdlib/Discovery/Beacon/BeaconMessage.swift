/// The beacon's datagram: `GINKGO-REGISTRY 1 <endpoint>` in ASCII (see `PROTOCOL.md`).
enum BeaconMessage {
    static let prefix = "GINKGO-REGISTRY 1 "

    static func encode(_ endpoint: String) -> String { prefix + endpoint }

    /// The endpoint a datagram announces, with a wildcard host (`*`, `0.0.0.0`) replaced by the
    /// address it came from; `nil` for anything that is not a beacon.
    static func endpoint(in datagram: String, from sender: String) -> String? {
        guard datagram.hasPrefix(prefix) else { return nil }
        let endpoint = datagram.dropFirst(prefix.count)
        guard endpoint.contains("://"), !endpoint.contains(" "), endpoint.count <= 1024 else { return nil }
        for wildcard in ["://*:", "://0.0.0.0:"] where endpoint.contains(wildcard) {
            return endpoint.replacingOccurrences(of: wildcard, with: "://\(sender):")
        }
        return String(endpoint)
    }
}
