/// One route of an ``RPCGateway``: an HTTP path answered by calling a method of a service found
/// through discovery. Written `PATH=SERVICE.METHOD` in the `gateway.routes` setting.
public struct GatewayRoute: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP path, such as `/hello`.
    public var path: String
    /// The service name to look up in discovery.
    public var service: String
    /// The method to call.
    public var method: String

    /// A route.
    public init(path: String, service: String, method: String) {
        self.path = path
        self.service = service
        self.method = method
    }

    /// Reads `/hello=worker.hello`; `nil` when it is not of that shape.
    public init?(_ text: String) {
        guard let equals = text.firstIndex(of: "="),
            case let path = String(text[..<equals]), path.hasPrefix("/"),
            case let target = text[text.index(after: equals)...],
            let dot = target.lastIndex(of: "."),
            case let service = String(target[..<dot]), !service.isEmpty,
            case let method = String(target[target.index(after: dot)...]), !method.isEmpty
        else { return nil }
        self.init(path: path, service: service, method: method)
    }

    /// `PATH=SERVICE.METHOD`.
    public var description: String { "\(path)=\(service).\(method)" }
}
