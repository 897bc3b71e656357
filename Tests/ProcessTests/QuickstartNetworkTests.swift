import Foundation
import Testing

/// The quickstart's network services (manual 1.3.2–1.3.5) run as `quickstart` processes on free
/// ports, checked with a real TCP client and HTTP requests.
@Suite(.timeLimit(.minutes(2)))
struct QuickstartNetworkTests {
    /// Sends a GET with `Connection: close` and returns the whole response.
    func get(port: Int) async throws -> String {
        try await LoopbackClient.exchange(
            port: port,
            send: "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            until: { _ in false }
        )
    }

    @Test func helloWorldServerGreetsEveryConnectionEachSecond() async throws {
        let port = try LoopbackClient.freePort()
        let child = try ChildProcess("quickstart", ["HelloWorldServer", "--set", "server.port=\(port)"])
        await child.expect("Listening.")
        let received = try await LoopbackClient.exchange(port: port) { $0.components(separatedBy: "\n").count > 2 }
        #expect(received.hasPrefix("Hello World\nHello World\n"))
        child.signal(SIGTERM)
        await child.expectCleanExit()
    }

    @Test func helloWorldWebServerAnswersStrongly() async throws {
        let port = try LoopbackClient.freePort()
        let child = try ChildProcess("quickstart", ["HelloWorldWebServer", "--set", "web.port=\(port)"])
        await child.expect("Listening.")
        let response = try await get(port: port)
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.lowercased().contains("content-type: text/html"))
        #expect(response.hasSuffix("\r\n\r\n<strong>Hello World</strong>"))
        child.signal(SIGTERM)
        await child.expectCleanExit()
    }

    @Test func appServerServesAHummingbirdRouter() async throws {
        let port = try LoopbackClient.freePort()
        let child = try ChildProcess("quickstart", ["AppServer", "--set", "web.port=\(port)"])
        await child.expect("Listening.")
        let response = try await get(port: port)
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.hasSuffix("\r\n\r\nHello World!"))
        child.signal(SIGINT)
        await child.expectCleanExit()
    }

    @Test func helloWorldAllRunsServerClientAndWebServer() async throws {
        let tcp = try LoopbackClient.freePort()
        let web = try LoopbackClient.freePort()
        let child = try ChildProcess(
            "quickstart",
            ["HelloWorldAll", "--set", "server.port=\(tcp)", "--set", "web.port=\(web)"]
        )
        // The client prints what the server sends, each line on its own.
        await child.expect("\nHello World\n")
        let received = try await LoopbackClient.exchange(port: tcp) { $0.contains("\n") }
        #expect(received.hasPrefix("Hello World\n"))
        #expect(try await get(port: web).hasSuffix("<strong>Hello World</strong>"))
        child.signal(SIGTERM)
        await child.expectCleanExit()
    }
}
