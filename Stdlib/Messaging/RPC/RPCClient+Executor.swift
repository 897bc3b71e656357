import GinkgoZeroMQ

extension RPCClient {
    /// Where calls cost least: ZeroMQ's reactor thread (`Context.executor`), where the client
    /// reads replies while its callers run there.
    ///
    /// A task that makes many calls, one after another, does best on it: a reply resumes its
    /// caller on the thread that read it, in the same turn, instead of waking a thread of Swift's
    /// pool for it. With 64 callers in flight that took the client from 0.5 context switches per
    /// call to 0.16, and its calls per second up by a third (`Benchmarks/run`, row 5). The calls
    /// placed on it during one turn go out together at the turn's end (16 at most at a time):
    /// libzmq's I/O thread then writes them in one `send`.
    /// ```swift
    /// try await withThrowingDiscardingTaskGroup { group in
    ///     for worker in 0..<64 {
    ///         group.addTask(executorPreference: client.executor) {
    ///             for n in 0..<1000 { _ = try await client.call("add", Numbers(a: worker, b: n), as: Sum.self) }
    ///         }
    ///     }
    /// }
    /// ```
    /// The thread is shared by every ZeroMQ socket of the process: code on it must not block or
    /// compute for long. The client follows its latest caller: it reads replies on this thread
    /// after a call from a task that prefers it, and on Swift's pool after a call from one that
    /// does not.
    public var executor: any TaskExecutor { Context.shared.executor }

    /// Records whether the calling task prefers ``executor``, for the receivers to follow.
    @inline(__always)
    func noteCaller() {
        let onExecutor = Context.shared.isOnExecutor
        // Written only on a change: callers on many threads would otherwise contend for the line.
        if callersOnExecutor.load(ordering: .relaxed) != onExecutor {
            callersOnExecutor.store(onExecutor, ordering: .relaxed)
        }
    }
}
