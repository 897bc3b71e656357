import AsyncHTTPClient
import Ginkgo
import NIOCore
import Testing
import TestSupport

@testable import GinkgoStdlib

@Suite(.timeLimit(.minutes(1))) struct RPCGatewayTests {
    struct Numbers: Codable, Sendable { var a: Int, b: Int }
    struct Sum: Codable, Sendable { var sum: Int }
    struct Refusal: Error, CustomStringConvertible { var description: String { "no, thanks" } }

    func request(_ url: String, body: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let body {
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func routesCallMethodsAndTypedErrorsBecomeHTTPCodes() async throws {
        try await withRegistry { _, endpoint in
            let calculator = RPCServer(name: "calc")
            calculator.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
            calculator.handle("refuse") { (_: Numbers) -> Sum in throw Refusal() }
            let gateway = RPCGateway()
            let tree = Service(name: "tree")
            tree.addService(calculator)
            tree.addService(gateway)
            tree.settings = try Settings(overrides: [
                "discovery.endpoints": endpoint, "discovery.timeout": "10s", "gateway.port": "0", "health.port": "0",
                "gateway.timeout": "2s",
                "gateway.routes": "/add=calc.add,/refuse=calc.refuse,/missing=calc.missing,/ghost=ghost.x",
            ])
            try await tree.start()
            let base = "http://127.0.0.1:\(try #require(gateway.server.port))"
            try await eventually("the gateway to see the calculator") {
                try await request(base + "/add", body: #"{"a":1,"b":2}"#).status == 200
            }
            #expect(try await request(base + "/add", body: #"{"a":40,"b":2}"#) == (200, #"{"sum":42}"#))
            #expect(try await request(base + "/add?a=1").status == 400)  // query values are strings
            let refused = try await request(base + "/refuse", body: #"{"a":1,"b":2}"#)
            #expect(refused.status == 502 && refused.body.contains("no, thanks"), "\(refused)")
            #expect(try await request(base + "/missing", body: "{}").status == 404)
            #expect(try await request(base + "/nowhere").status == 404)
            #expect(try await request(base + "/ghost", body: "{}").status == 503)
            #expect(try await request(base + "/add", body: "not json").status == 400)
            #expect(try await request(base + "/add", body: #"{"a":40,"b":2}"#).status == 200)
            await tree.stop()
        }
    }

    @Test func aRouteItCannotReadIsAClearError() async throws {
        let gateway = RPCGateway()
        gateway.settings = try Settings(overrides: ["gateway.routes": "hello", "gateway.port": "0", "health.port": "0"])
        await #expect {
            try await gateway.start()
        } throws: { error in
            "\(error)".contains(#"setting gateway.routes: "hello" is not PATH=SERVICE.METHOD"#)
        }
    }

    @Test(arguments: [
        ("/hello=worker.hello", "/hello=worker.hello"), ("/a/b=svc.name.m", "/a/b=svc.name.m"),
        ("hello=worker.hello", nil), ("/hello=worker", nil), ("/hello=.m", nil), ("/hello", nil),
    ])
    func routesParse(text: String, parsed: String?) {
        #expect(GatewayRoute(text)?.description == parsed)
    }
}
