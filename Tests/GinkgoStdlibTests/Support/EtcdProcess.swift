import Foundation
import Ginkgo
import Logging
import Synchronization
import TestSupport

@testable import GinkgoStdlib

/// A real etcd (Debian's `etcd-server`, installed by `scripts/install-deps`) run as a child
/// process for one test: its data in a fresh temporary directory, its client and peer URLs on
/// 127.0.0.1 at free ports. ``launch()`` returns once etcd has said it serves clients and has
/// answered a range; the process is killed and its directory removed when the value goes.
final class EtcdProcess: Sendable {
    static let binary = "/usr/bin/etcd"
    /// How long etcd may take to start: generous, for a machine busy building.
    static let startLimit: Duration = .seconds(60)
    /// What etcd 3.4 logs (with `--logger zap`) as it starts serving clients.
    static let readyLine = "\"msg\":\"serving client traffic"

    let directory: URL
    /// The client port tests point backends at.
    let clientPort: Int
    let peerPort: Int
    private let state = Mutex(State())

    private struct State {
        var process: SpawnedProcess?
        /// Counts starts, so that the output of a killed run does not end the next one's wait.
        var generation = 0
        /// The port of the running process (``clientPort`` unless started elsewhere).
        var servingPort = 0
        var output = ""
        var ready = false
        var exited = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// `http://127.0.0.1:<clientPort>`.
    var endpoint: String { "http://127.0.0.1:\(clientPort)" }

    /// What etcd printed since it was last started.
    var output: String { state.withLock { $0.output } }

    private init(clientPort: Int, peerPort: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ginkgo-etcd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clientPort = clientPort
        self.peerPort = peerPort
        state.withLock { $0.servingPort = clientPort }
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a new etcd at free ports, picking others when another process took one first.
    static func launch() async throws -> EtcdProcess {
        var lastError: (any Error)?
        for _ in 1...5 {
            let ports = try freePorts(2)
            let etcd = try EtcdProcess(clientPort: ports[0], peerPort: ports[1])
            do {
                try await etcd.start()
                return etcd
            } catch let error as EtcdProcessError where error.output.contains("address already in use") {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Starts etcd on its data directory (again, after ``kill()``), serving clients at
    /// `clientPort` (by default its own), and waits until it answers.
    func start(clientPort port: Int? = nil) async throws {
        let port = port ?? clientPort
        let url = "http://127.0.0.1:\(port)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let generation = state.withLock { state in
            state.generation += 1
            return state.generation
        }
        let process = try SpawnedProcess(
            Self.binary,
            [
                "--name", "ginkgo-test", "--data-dir", directory.appendingPathComponent("data").path,
                "--listen-client-urls", url, "--advertise-client-urls", url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "ginkgo-test=\(peer)", "--logger", "zap", "--log-outputs", "stderr",
            ],
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD") },
            output: .pipe
        )
        state.withLock { $0 = State(process: process, generation: generation, servingPort: port) }
        process.readOutput { [weak self] bytes in
            guard let bytes else { return self?.finishOutput(generation: generation) ?? () }
            self?.append(String(decoding: bytes, as: UTF8.self), generation: generation)
        }
        do {
            try await withTimeout(Self.startLimit) { await self.waitUntilReady() }
        } catch {
            throw EtcdProcessError(what: "etcd did not start within \(Self.startLimit)", output: output)
        }
        guard state.withLock({ $0.ready }) else {
            kill()
            throw EtcdProcessError(what: "etcd exited while starting", output: output)
        }
        _ = try await admin {
            try await $0.call("/v3/kv/range", EtcdRangeRequest(key: EtcdBytes("/")), as: EtcdRangeResponse.self)
        }
    }

    /// Kills etcd at once (SIGKILL, no clean shutdown) and reaps it.
    func kill() {
        guard let process = state.withLock({ $0.process }) else { return }
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Puts `value` at `key` as it is, without a lease.
    func put(_ key: String, _ value: String) async throws {
        _ = try await admin {
            try await $0.call(
                "/v3/kv/put",
                EtcdPutRequest(key: EtcdBytes(key), value: EtcdBytes(value)),
                as: EtcdEmptyResponse.self
            )
        }
    }

    /// Revokes a lease, as another client or an operator may.
    func revoke(_ lease: Int64) async throws {
        _ = try await admin {
            try await $0.call("/v3/lease/revoke", EtcdLeaseRequest(id: EtcdInt(lease)), as: EtcdEmptyResponse.self)
        }
    }

    /// The IDs of the leases etcd holds.
    func leases() async throws -> [Int64] {
        struct Everything: Encodable, Sendable {}
        struct Leases: Decodable, Sendable { var leases: [EtcdLease]? }
        let answer = try await admin { try await $0.call("/v3/lease/leases", Everything(), as: Leases.self) }
        return (answer.leases ?? []).compactMap { $0.id?.value }
    }

    /// Compacts the history up to the current revision, which it returns.
    @discardableResult
    func compact() async throws -> Int64 {
        try await admin { gateway in
            let listing = try await gateway.call(
                "/v3/kv/range",
                EtcdRangeRequest(key: EtcdBytes("/")),
                as: EtcdRangeResponse.self
            )
            let revision = listing.header?.revision?.value ?? 0
            _ = try await gateway.call(
                "/v3/kv/compaction",
                EtcdCompactionRequest(revision: EtcdInt(revision)),
                as: EtcdEmptyResponse.self
            )
            return revision
        }
    }

    /// Runs `body` with a gateway to the running etcd, shut down afterwards.
    private func admin<T: Sendable>(_ body: (EtcdGateway) async throws -> T) async throws -> T {
        let port = state.withLock { $0.servingPort }
        let gateway = try EtcdGateway(
            endpoints: ["http://127.0.0.1:\(port)"],
            timeout: .seconds(10),
            logger: Logger(label: "etcd-admin")
        )
        do {
            let result = try await body(gateway)
            await gateway.shutdown()
            return result
        } catch {
            await gateway.shutdown()
            throw error
        }
    }

    private func waitUntilReady() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if state.ready || state.exited || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }

    private func append(_ text: String, generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation else { return nil }
            state.output += text
            guard !state.ready, state.output.contains(Self.readyLine) else { return nil }
            state.ready = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func finishOutput(generation: Int) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation else { return nil }
            state.exited = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    /// Ports nobody listens on now, all different (see `freeLoopbackPort()`).
    static func freePorts(_ count: Int) throws -> [Int] {
        try (0..<count).map { _ in try freeLoopbackPort() }
    }
}

/// etcd did not start; the output says why.
struct EtcdProcessError: Error, CustomStringConvertible {
    var what: String
    var output: String

    var description: String { "\(what); its output:\n\(output.suffix(4000))" }
}
