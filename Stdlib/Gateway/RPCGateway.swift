public import Ginkgo
public import GinkgoNet
import Hummingbird
import Synchronization

/// A stock HTTP-to-RPC gateway: each route answers an HTTP request by calling a method of a
/// service found through discovery, and returns the method's JSON result. Runnable from settings:
///
/// ```
/// ginkgo RPCGateway --set gateway.routes=/hello=worker.hello --set gateway.port=8080
/// curl -d '{"name":"Ada"}' http://127.0.0.1:8080/hello
/// ```
/// The parameters are the request's JSON body, or, without a body, the query parameters as a
/// JSON object of strings (`/hello?name=Ada` calls with `{"name":"Ada"}`). A failed call answers
/// with its typed error as JSON — 400 for bad parameters, 404 for an unknown method, 503 when no
/// instance is available, 504 on a timeout, 502 otherwise. It serves `/health` on `health.port`:
/// ready while every routed service has an instance to call.
public final class RPCGateway: Service, RunnableService, @unchecked Sendable {
    static let routesSetting = Setting<[String]>(
        "gateway.routes",
        default: [],
        help: "Routes PATH=SERVICE.METHOD, comma-separated, such as /hello=worker.hello"
    )
    static let timeoutSetting = Setting(
        "gateway.timeout",
        default: Duration.seconds(5),
        help: "How long one call may take"
    )
    // Declared on the instance too, so that `--help` and validation list them.
    private let routesDeclaration = routesSetting
    private let timeoutDeclaration = timeoutSetting

    private let table = RouteTable()
    private let clients: Service
    /// The HTTP server; its `port` is the bound port once ready.
    public let server: HTTPServer

    /// A gateway configured by its settings: `gateway.routes`, `gateway.host` (127.0.0.1),
    /// `gateway.port` (8080), `gateway.timeout`, and `health.port` (8081) for its health.
    public required init() {
        let router = Router()
        let reference = WeakReference<RPCGateway>()
        router.on("/**", method: .get) { request, _ in try await reference.require().answer(request) }
        router.on("/**", method: .post) { request, _ in try await reference.require().answer(request) }
        server = HTTPServer(
            host: .setting("gateway.host", default: "127.0.0.1"),
            port: .setting("gateway.port", default: 8080),
            router: router
        )
        clients = Service(name: "clients")
        super.init(name: "gateway")
        reference.set(self)
        let table = self.table
        let health = HealthMonitor(checks: [
            HealthCheck("routes", interval: .milliseconds(500), failures: 2, successes: 1) {
                let empty = table.entries.withLock {
                    $0.values.filter { $0.client.usableInstances.isEmpty }.map(\.route)
                }
                guard empty.isEmpty else {
                    throw ProbeFailure(description: "no instance to call for \(empty.map(\.description))")
                }
                return "every route has an instance"
            }
        ])
        addService(clients)
        addService(health)
        addService(HealthEndpoint(monitor: health))
        addService(server)
    }

    override public var startBefore: Bool { true }

    override public func doStart() async throws {
        var routes: [String: (route: GatewayRoute, client: RPCClient)] = [:]
        var byService: [String: RPCClient] = [:]
        for text in settings.value(of: Self.routesSetting) {
            guard let route = GatewayRoute(text) else {
                throw SettingError(
                    key: Self.routesSetting.key,
                    source: (try? settings.lookup(Self.routesSetting).source) ?? .default,
                    reason: "\"\(text)\" is not PATH=SERVICE.METHOD (such as /hello=worker.hello)"
                )
            }
            let client = byService[route.service] ?? RPCClient(service: route.service, name: "rpc-\(route.service)")
            byService[route.service] = client
            routes[route.path] = (route, client)
        }
        table.entries.withLock { $0 = routes }
        // `clients` starts after this, and its new children with it.
        for client in byService.values { clients.addService(client) }
        logger.info("Routes: \(routes.values.map(\.route.description).sorted().joined(separator: ", ")).")
    }

    override public func doStop() async throws {
        for client in clients.children { clients.removeService(client) }
        table.entries.withLock { $0 = [:] }
    }

    private func answer(_ request: Request) async throws -> Response {
        guard let entry = table.entries.withLock({ $0[request.uri.path] }) else {
            return Self.notFound(request.uri.path)
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        let params = Self.params(body, of: request)
        do {
            let result = try await entry.client.call(
                entry.route.method,
                json: params,
                timeout: settings.value(of: Self.timeoutSetting)
            )
            return Response.json(.ok, String(decoding: result, as: UTF8.self))
        } catch let error as MessagingError {
            return failed(entry.route, error)
        }
    }

    // Plain functions out of line: in `answer`, which is async, their locals were part of every
    // request's task frame (1.8 KiB in all).

    @inline(never)
    private static func notFound(_ path: String) -> Response {
        Response.json(.notFound, #"{"code":"not_found","message":"no route for \#(path)"}"#)
    }

    /// The call's parameters: the request's body, or else its query as a JSON object of strings.
    @inline(never)
    private static func params(_ body: ByteBuffer, of request: Request) -> [UInt8] {
        var body = body
        let params = body.readBytes(length: body.readableBytes) ?? []
        guard params.isEmpty else { return params }
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) { $1 }
        return Array(EnvelopeEncoder().encode(query))
    }

    /// Logs a failed call and makes its response.
    @inline(never)
    private func failed(_ route: GatewayRoute, _ error: MessagingError) -> Response {
        logger.warning("\(route) failed: \(error)")
        return Response.json(
            Self.status(for: error.code),
            String(decoding: EnvelopeEncoder().encode(error), as: UTF8.self)
        )
    }

    private static func status(for code: MessagingError.Code) -> HTTPResponse.Status {
        switch code {
        case .badPayload, .badEnvelope, .unsupportedEncoding: .badRequest
        case .unknownMethod: .notFound
        case .unavailable: .serviceUnavailable
        case .timeout: .gatewayTimeout
        default: .badGateway
        }
    }

    /// The routes by path, each with the client of its service.
    private final class RouteTable: Sendable {
        let entries = Mutex<[String: (route: GatewayRoute, client: RPCClient)]>([:])
    }

}
