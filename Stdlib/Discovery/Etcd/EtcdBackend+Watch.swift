import GinkgoNet
import Logging

extension EtcdBackend {
    /// Lists `name`, then streams its changes into `updates`, resuming after every failure,
    /// until the task is cancelled.
    func follow(_ name: String, into updates: AsyncThrowingStream<WatchUpdate, any Error>.Continuation) async {
        var logger = logger
        logger[metadataKey: "watch"] = "\(name)"
        var machine = EtcdWatchStateMachine(name: name, keyspace: keyspace)
        var backoff = ReconnectStateMachine<ContinuousClock.Instant>(policy: reconnectPolicy)
        var random = SystemRandomNumberGenerator()
        // The first failure of an outage is a warning; the retries that follow are not news.
        var failing = false
        while !Task.isCancelled {
            var streaming = false
            let action: ReconnectStateMachine<ContinuousClock.Instant>.Action
            do {
                if machine.startRevision == nil {
                    let range = keyspace.range(name)
                    let listing = try await gateway.call(
                        "/v3/kv/range",
                        EtcdRangeRequest(key: range.key, rangeEnd: range.end),
                        as: EtcdRangeResponse.self
                    )
                    emit(machine.snapshot(listing), into: updates)
                }
                let start = machine.startRevision ?? 1
                let range = keyspace.range(name)
                let request = EtcdWatchRequest(
                    createRequest: .init(key: range.key, rangeEnd: range.end, startRevision: EtcdInt(start))
                )
                let (endpoint, body) = try await gateway.open("/v3/watch", request)
                streaming = true
                backoff.connected(at: .now)
                if failing {
                    logger.info("etcd: watching again", metadata: ["endpoint": "\(endpoint)", "from": "\(start)"])
                    failing = false
                }
                var lines = JSONLineBuffer()
                reading: for try await chunk in body {
                    lines.append(chunk)
                    while let line = try lines.next() {
                        let message = try EtcdGateway.decode(
                            EtcdStreamMessage<EtcdWatchResponse>.self,
                            line,
                            endpoint: endpoint,
                            path: "/v3/watch"
                        )
                        if let error = message.error {
                            throw EtcdGateway.refusal(error, endpoint: endpoint, path: "/v3/watch")
                        }
                        guard let response = message.result else { continue }
                        let output = machine.receive(response)
                        emit(output, into: updates)
                        if case .resynchronise(let reason) = output.action {
                            logger.info("etcd: listing the name again", metadata: ["reason": "\(reason)"])
                            break reading
                        }
                    }
                }
                action = backoff.disconnected(at: .now, using: &random)
            } catch {
                if Task.isCancelled { return }
                let level: Logger.Level = failing ? .debug : .warning
                logger.log(
                    level: level,
                    "etcd: watch interrupted; retrying",
                    metadata: [
                        "error": "\(error)", "from": "\(machine.startRevision.map(String.init) ?? "a new listing")",
                    ]
                )
                failing = true
                action =
                    streaming ? backoff.disconnected(at: .now, using: &random) : backoff.connectFailed(using: &random)
            }
            guard case .reconnect(let delay) = action else { return }
            guard (try? await Task.sleep(for: delay)) != nil else { return }
        }
    }

    private func emit(
        _ output: EtcdWatchStateMachine.Output,
        into updates: AsyncThrowingStream<WatchUpdate, any Error>.Continuation
    ) {
        for unreadable in output.unreadable { log(unreadable) }
        for update in output.updates { updates.yield(update) }
    }
}
