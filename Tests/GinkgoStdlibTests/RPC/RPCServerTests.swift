import Foundation
import Ginkgo
import GinkgoZeroMQ
import Synchronization
import Testing
import TestSupport

@testable import GinkgoStdlib

struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

/// A calculator server on a free port, stopped after `body`.
func withCalculator(
    settings: [String: String] = [:],
    _ body: (RPCServer, String) async throws -> Void
) async throws {
    // The slow call is abandoned by its caller: a stop need not wait for it.
    let server = RPCServer(endpoint: "tcp://127.0.0.1:*", drainTimeout: .milliseconds(100))
    server.settings = try Settings(overrides: settings)
    server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
    server.handle("fail") { (_: Numbers) -> Sum in throw Boom() }
    server.handle("echo", json: { $0 })
    server.handle("slow") { () -> Sum in
        try await Task.sleep(for: .seconds(30))
        return Sum(sum: 0)
    }
    try await server.start()
    do {
        try await body(server, try #require(server.boundEndpoint))
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// A server with `echo` and a method `wait` whose calls answer `result` once `release` yields;
/// `started` is set as a call of `wait` begins.
struct WaitingServer {
    let server: RPCServer
    let started = Flag()
    let release: AsyncStream<Void>.Continuation

    init(result: Int, drainTimeout: Duration = .seconds(5)) throws {
        server = RPCServer(endpoint: "tcp://127.0.0.1:*", drainTimeout: drainTimeout)
        server.settings = try Settings(overrides: [:])
        let (go, release) = AsyncStream<Void>.makeStream()
        self.release = release
        server.handle("wait") { [started] () async -> Int in
            started.set()
            for await _ in go { break }
            return result
        }
        server.handle("echo", json: { $0 })
    }
}

/// A DEALER speaking to the server frame by frame, as a foreign client would.
struct RawDealer {
    let socket: Socket

    init(_ endpoint: String) throws {
        socket = try Socket(.dealer)
        try socket.setOption(.linger, .zero)
        try socket.setOption(.receiveTimeout, .seconds(10))
        try socket.connect(endpoint)
    }

    func exchange(_ frames: [[UInt8]]) async throws -> (MessagingEnvelope, [UInt8]) {
        try await socket.send(Message(frames: frames.map { Frame($0) }))
        return try MessagingEnvelope.parse(try await socket.receive())
    }

    func exchange(_ header: String, _ payload: String = "{}") async throws -> (MessagingEnvelope, [UInt8]) {
        try await exchange([Array(header.utf8), Array(payload.utf8)])
    }

    func error(_ payload: [UInt8]) throws -> MessagingError {
        try JSONDecoder().decode(MessagingError.self, from: Data(payload))
    }

    func close() { socket.close() }
}

@Suite(.timeLimit(.minutes(1))) struct RPCServerTests {
    @Test func answersRequestsAndHeartbeats() async throws {
        try await withCalculator { _, endpoint in
            let dealer = try RawDealer(endpoint)
            defer { dealer.close() }
            let (reply, payload) = try await dealer.exchange(
                #"{"v":1,"kind":"request","id":"7","method":"add"}"#,
                #"{"a":1,"b":2}"#
            )
            #expect(reply == MessagingEnvelope(kind: .reply, id: "7"))
            #expect(String(decoding: payload, as: UTF8.self) == #"{"sum":3}"#)
            let (beat, _) = try await dealer.exchange(#"{"v":1,"kind":"heartbeat","id":"hb-1"}"#, "")
            #expect(beat == MessagingEnvelope(kind: .heartbeat, id: "hb-1"))
            // The health check of messaging services sees it up.
            let check = HealthCheck.zeroMQ(endpoint: endpoint)
            #expect(try await withTimeout(.seconds(10)) { try await check.probe() } != nil)
        }
    }

    @Test func badRequestsGetTypedErrorsAndTheServerGoesOn() async throws {
        try await withCalculator(settings: ["rpc.max_message_size": "4096"]) { _, endpoint in
            let dealer = try RawDealer(endpoint)
            defer { dealer.close() }
            let cases: [(frames: [String], id: String?, code: MessagingError.Code, says: String)] = [
                (["just one frame"], nil, .badEnvelope, "expected 2 frames"),
                (["not json", "{}"], nil, .badEnvelope, "not JSON"),
                ([#"{"v":2,"kind":"request","id":"9","method":"add"}"#, "{}"], "9", .unsupportedVersion, "version 2"),
                ([#"{"v":1,"kind":"request","id":"10"}"#, "{}"], "10", .badEnvelope, "needs a method"),
                ([#"{"v":1,"kind":"request","id":"11","method":"nope"}"#, "{}"], "11", .unknownMethod, "\"nope\""),
                ([#"{"v":1,"kind":"request","id":"12","method":"add"}"#, #"{"a":1}"#], "12", .badPayload, "b"),
                (
                    [#"{"v":1,"kind":"request","id":"13","method":"echo"}"#, "{nope"], "13", .badPayload,
                    "not JSON (byte 1: expected a string)"
                ),
                (
                    [#"{"v":1,"kind":"request","id":"14","method":"add","encoding":"msgpack"}"#, "{}"], "14",
                    .unsupportedEncoding, "msgpack"
                ),
                (
                    [#"{"v":1,"kind":"request","id":"15","method":"fail"}"#, #"{"a":1,"b":2}"#], "15", .handlerFailed,
                    "fail failed: boom"
                ),
                ([#"{"v":1,"kind":"publish","id":"16"}"#, "{}"], "16", .badEnvelope, "publish"),
                // Headers in the form this library writes, which the server reads without the full
                // parse: the same errors.
                (
                    [#"{"encoding":"json","id":"20","kind":"request","method":"nope","v":1}"#, "{}"], "20",
                    .unknownMethod, "\"nope\""
                ),
                (
                    [#"{"encoding":"json","id":"21","kind":"request","method":"","v":1}"#, "{}"], "21",
                    .badEnvelope, "needs a method"
                ),
                (
                    [#"{"encoding":"json","id":"22","kind":"request","method":"echo","v":1}"#, "{nope"], "22",
                    .badPayload, "not JSON"
                ),
                (
                    [#"{"encoding":"json","id":"23","kind":"request","method":"add","v":1}"#], "23", .badEnvelope,
                    "2 frames"
                ),
                (
                    [#"{"v":1,"kind":"request","id":"17","method":"echo"}"#, String(repeating: "x", count: 4090)], "17",
                    .tooLarge, "exceeds the limit of 4096"
                ),
            ]
            for (frames, id, code, says) in cases {
                let (header, payload) = try await dealer.exchange(frames.map { Array($0.utf8) })
                #expect(header.kind == .error && header.id == id, "\(frames)")
                let error = try dealer.error(payload)
                #expect(error.code == code, "\(frames): \(error)")
                #expect(error.message.contains(says), "\(frames): \(error)")
            }
            let (reply, _) = try await dealer.exchange(
                #"{"v":1,"kind":"request","id":"18","method":"add"}"#,
                #"{"a":2,"b":2}"#
            )
            #expect(reply.kind == .reply)
        }
    }

    @Test func aMethodRegisteredAgainWhileServingAnswersWithItsNewHandler() async throws {
        try await withCalculator { server, endpoint in
            let dealer = try RawDealer(endpoint)
            defer { dealer.close() }
            let call = #"{"encoding":"json","id":"1","kind":"request","method":"add","v":1}"#
            let (_, before) = try await dealer.exchange(call, #"{"a":1,"b":2}"#)
            #expect(String(decoding: before, as: UTF8.self) == #"{"sum":3}"#)
            server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a * numbers.b) }
            let (_, after) = try await dealer.exchange(call, #"{"a":5,"b":2}"#)
            #expect(String(decoding: after, as: UTF8.self) == #"{"sum":10}"#)
        }
    }

    /// The server reuses the storage of a call's parameters for the next call's when its handler
    /// kept no copy; parameters a handler kept stay as they came, and each reply is its own.
    @Test func parametersAHandlerKeepsStayAsTheyCame() async throws {
        let server = RPCServer(endpoint: "tcp://127.0.0.1:*")
        server.settings = try Settings(overrides: [:])
        let kept = Mutex<[[UInt8]]>([])
        server.handle(
            "keep",
            json: { params in
                kept.withLock { $0.append(params) }
                return params
            }
        )
        server.handle("echo", json: { $0 })
        try await server.start()
        defer { Task { await server.stop() } }
        let dealer = try RawDealer(try #require(server.boundEndpoint))
        defer { dealer.close() }
        // The server's first call, with empty parameters: there is no storage yet to write to.
        let first = #"{"encoding":"json","id":"e0","kind":"request","method":"echo","v":1}"#
        let (refusal, why) = try await dealer.exchange(first, "")
        #expect(refusal.kind == .error)
        #expect(try dealer.error(why).code == .badPayload)
        // Sent before any is read, so that the server reads them in bursts; sizes vary, both ways,
        // and come in pairs of one size and different bytes (the second written over the first's).
        let payloads = (0..<40).map { n in
            Array("[\(String(repeating: "\(n % 10),", count: (n / 2 * 7) % 23))\(n)]".utf8)
        }
        for (n, payload) in payloads.enumerated() {
            let method = n % 3 == 0 ? "keep" : "echo"
            let header = #"{"encoding":"json","id":"\#(n)","kind":"request","method":"\#(method)","v":1}"#
            try await dealer.socket.send(Message(frames: [Frame(Array(header.utf8)), Frame(payload)]))
        }
        // Matched by id: a call the server moves to a task of its own (on a loaded machine) may
        // be answered after later ones.
        var replies: [String: [UInt8]] = [:]
        for _ in payloads.indices {
            let (reply, payload) = try MessagingEnvelope.parse(try await dealer.socket.receive())
            #expect(reply.kind == .reply)
            replies[reply.id ?? ""] = payload
        }
        #expect(replies == Dictionary(uniqueKeysWithValues: payloads.enumerated().map { ("\($0.offset)", $0.element) }))
        // A call run in a task of its own may run after later ones, too.
        let keptSorted = kept.withLock { $0 }.sorted { $0.lexicographicallyPrecedes($1) }
        let expected = payloads.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        #expect(keptSorted == expected.sorted { $0.lexicographicallyPrecedes($1) })
        // Empty parameters, over an empty call's storage and over a full one's: refused, and the
        // server goes on.
        for (id, payload) in [("e1", ""), ("e2", ""), ("f", "[1]"), ("e3", ""), ("g", "[2]")] {
            let header = #"{"encoding":"json","id":"\#(id)","kind":"request","method":"echo","v":1}"#
            let (reply, body) = try await dealer.exchange(header, payload)
            #expect(reply.id == id)
            if payload.isEmpty {
                #expect(reply.kind == .error)
                #expect(try dealer.error(body).code == .badPayload)
            } else {
                #expect(body == Array(payload.utf8))
            }
        }
    }

    @Test func anOversizedFrameDropsOnlyItsSender() async throws {
        try await withCalculator(settings: ["rpc.max_message_size": "4096"]) { _, endpoint in
            let big = try RawDealer(endpoint)
            defer { big.close() }
            try await big.socket.send(
                Message(frames: [
                    Frame(#"{"v":1,"kind":"request","id":"1","method":"echo"}"#),
                    Frame([UInt8](repeating: 32, count: 8192)),
                ])
            )
            let other = try RawDealer(endpoint)
            defer { other.close() }
            let (reply, payload) = try await other.exchange(
                #"{"v":1,"kind":"request","id":"2","method":"echo"}"#,
                "[1]"
            )
            #expect(reply.kind == .reply && payload == Array("[1]".utf8))
            // The dropped sender reconnects and is served again (a probe sent before the drop
            // is lost with the connection, so probe until one is answered).
            try big.socket.setOption(.receiveTimeout, .milliseconds(300))
            try await eventually("the dropped sender to be served again") {
                let (again, _) = try await big.exchange(#"{"v":1,"kind":"heartbeat","id":"3"}"#, "")
                return again.kind == .heartbeat
            }
        }
    }

    /// Once its stop begins, a server refuses new calls with `unavailable` (clients send them
    /// elsewhere) and leaves heartbeats unanswered, while the call in progress finishes and is
    /// answered before the socket closes.
    @Test func aStoppingServerRefusesNewCallsAndFinishesTheOneInProgress() async throws {
        let waiting = try WaitingServer(result: 7, drainTimeout: .seconds(20))
        let server = waiting.server
        try await server.start()
        let dealer = try RawDealer(try #require(server.boundEndpoint))
        defer { dealer.close() }
        let (before, _) = try await dealer.exchange(#"{"v":1,"kind":"request","id":"0","method":"echo"}"#, "[]")
        #expect(before.kind == .reply)
        try await dealer.socket.send(Message(strings: [#"{"v":1,"kind":"request","id":"w","method":"wait"}"#, "[]"]))
        try await eventually(timeout: .seconds(10), "the waiting call to start") { waiting.started.isSet }

        let stopping = Task { await server.stop() }
        // Refused once the stop has begun; asked again until it has.
        var refusal: MessagingError?
        try await eventually(timeout: .seconds(10), "a refusal") {
            let (header, payload) = try await dealer.exchange(
                #"{"v":1,"kind":"request","id":"1","method":"echo"}"#,
                "[]"
            )
            if header.kind == .error { refusal = try dealer.error(payload) }
            return refusal != nil
        }
        #expect(refusal?.code == .unavailable)
        #expect(refusal?.message.contains("is stopping") == true)

        waiting.release.yield()
        let (reply, result) = try MessagingEnvelope.parse(try await dealer.socket.receive())
        #expect(reply == MessagingEnvelope(kind: .reply, id: "w"))
        #expect(String(decoding: result, as: UTF8.self) == "7")
        await stopping.value
    }

    /// Requests that arrive together are answered together (one send of the batch's replies);
    /// a burst mixing handlers that answer at once, handlers that wait, a heartbeat and garbage,
    /// on a server with fewer slots than requests, gets every answer.
    @Test func aBurstOfMixedRequestsGetsEveryAnswer() async throws {
        let server = RPCServer(endpoint: "tcp://127.0.0.1:*", drainTimeout: .seconds(1))
        server.settings = try Settings(overrides: ["rpc.concurrency": "3"])
        server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
        server.handle("nap") { (numbers: Numbers) -> Sum in
            try await Task.sleep(for: .milliseconds(1))  // the handler waits: it answers after its batch
            return Sum(sum: numbers.a + numbers.b)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let dealer = try RawDealer(try #require(server.boundEndpoint))
        defer { dealer.close() }

        var burst: [Message] = []
        var expected: [String: Int] = [:]
        for n in 0..<200 {
            let method = n % 3 == 0 ? "nap" : "add"
            burst.append(
                Message(frames: [
                    Frame(#"{"v":1,"kind":"request","id":"\#(n)","method":"\#(method)"}"#),
                    Frame(#"{"a":\#(n),"b":1}"#),
                ])
            )
            expected["\(n)"] = n + 1
            if n == 50 { burst.append(Message(frames: [Frame(#"{"v":1,"kind":"heartbeat","id":"hb"}"#), .empty])) }
            if n == 100 { burst.append(Message(frames: ["garbage", "{}"])) }
        }
        try await dealer.socket.send(contentsOf: burst)

        var answered: [String: Int] = [:]
        var heartbeats = 0
        var errors: [MessagingError] = []
        for _ in 0..<burst.count {
            let (header, payload) = try MessagingEnvelope.parse(try await dealer.socket.receive())
            switch header.kind {
            case .reply: answered[header.id ?? ""] = try JSONDecoder().decode(Sum.self, from: Data(payload)).sum
            case .heartbeat: heartbeats += 1
            default: errors.append(try dealer.error(payload))
            }
        }
        #expect(answered == expected)
        #expect(heartbeats == 1)
        #expect(errors.map(\.code) == [.badEnvelope])
    }

    /// Calls in the template's form (the header as the client writes it) take the server's fast
    /// path: the method's name is made once per run of calls to it, and a decimal id is kept as a
    /// number. Methods alternate, and ids are long, not ASCII, escaped (which the full parse
    /// reads) or numbers written oddly: each answer names its call, exactly, and its result.
    @Test func templateCallsOfAlternatingMethodsAndUnusualIDsAreEachAnsweredRight() async throws {
        try await withCalculator { _, endpoint in
            let dealer = try RawDealer(endpoint)
            defer { dealer.close() }
            // Numbers are written back from their value: one written another way keeps its text.
            let ids = [
                "1", "élan ✓ 日本", String(repeating: "x", count: 40), #"a\"b"#, "007", "", "0",
                "9999999999999999999", "18446744073709551615", "-3", "7",
            ]
            var burst: [Message] = []
            for (n, id) in ids.enumerated() {
                let method = n % 2 == 0 ? "add" : "echo"
                let header = #"{"encoding":"json","id":"\#(id)","kind":"request","method":"\#(method)","v":1}"#
                burst.append(Message(frames: [Frame(header), Frame(#"{"a":\#(n),"b":100}"#)]))
            }
            // A method's bytes that are not UTF-8, in the template's form: refused, named.
            var bad = Array(#"{"encoding":"json","id":"8","kind":"request","method":""#.utf8)
            bad += [0xFF, 0xFE] + Array(#"","v":1}"#.utf8)
            burst.append(Message(frames: [Frame(bad), Frame("{}")]))
            try await dealer.socket.send(contentsOf: burst)

            // Typed handlers answer from tasks of their own: the answers come in any order.
            var answers: [String: String] = [:]
            var errors: [MessagingError] = []
            for _ in 0..<burst.count {
                let (header, payload) = try MessagingEnvelope.parse(try await dealer.socket.receive())
                if header.kind == .error {
                    // Paired with its request by the id the full parse still found.
                    #expect(header.id == "8")
                    errors.append(try dealer.error(payload))
                } else {
                    #expect(header.kind == .reply)
                    answers[try #require(header.id)] = String(decoding: payload, as: UTF8.self)
                }
            }
            for (n, id) in ids.enumerated() {
                let answered = answers[id == #"a\"b"# ? #"a"b"# : id]
                #expect(answered == (n % 2 == 0 ? #"{"sum":\#(n + 100)}"# : #"{"a":\#(n),"b":100}"#), "call \(n)")
            }
            #expect(errors.map(\.code) == [.badEnvelope], "\(errors)")
            #expect(errors.first?.message.contains("not JSON") == true, "\(errors)")
            // The server goes on.
            let (reply, _) = try await dealer.exchange(
                #"{"encoding":"json","id":"9","kind":"request","method":"add","v":1}"#,
                #"{"a":1,"b":2}"#
            )
            #expect(reply == MessagingEnvelope(kind: .reply, id: "9"))
        }
    }
}
