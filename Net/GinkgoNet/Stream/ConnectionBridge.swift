import NIOCore
import Synchronization

/// What a ``Connection``'s task and its channel's ``ConnectionHandler`` share: bytes read and not
/// yet taken, the one reader waiting for more, writers waiting for writability, and how the
/// stream ended.
///
/// A lean replacement of `NIOAsyncChannel` for byte streams: a read that finds bytes buffered
/// takes them all under one lock without suspending; a read that finds none leaves one
/// continuation that the next `channelRead` resumes. Writes go straight to the channel (no
/// queue of their own) and suspend only while the channel is not writable. Flow control: the
/// handler holds back the channel's next `read` while ``readLimit`` bytes or more are buffered,
/// so a handler that reads slowly makes the peer wait rather than the server buffer without bound.
///
/// Thread safety: `Sendable` without `@unchecked`; the mutable state is one `Mutex`, and
/// continuations are resumed after the lock is released.
final class ConnectionBridge: Sendable {
    /// The channel; its thread-safe API only (`write`, `flush`, `read`, `close`, `isWritable`).
    let channel: any Channel
    private let state = Mutex(State())
    /// The ``ConnectionHandler``'s context while it is in the pipeline: a write made on the event
    /// loop starts there, instead of passing every handler from the pipeline's tail.
    private let handlerContext: NIOLoopBoundBox<ChannelHandlerContext?>
    /// Set, with `closed` or `outputClosed`, once nothing more can be written: read without the
    /// lock by every write.
    private let writesEnded = Atomic<Bool>(false)

    /// Once this many bytes are buffered and not taken, the channel reads no more until the
    /// connection's task takes them.
    static let readLimit = 64 * 1024

    init(channel: any Channel) {
        self.channel = channel
        self.handlerContext = .makeEmptyBox(valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
    }

    private enum End {
        case eof
        case failed(any Error)
    }

    private struct State {
        /// Bytes read from the channel, in order, not yet taken by the connection's task.
        var chunks = CircularBuffer<ByteBuffer>(initialCapacity: 4)
        var bufferedBytes = 0
        /// Set by the handler, on the event loop, once input ended; the reader sees it after the
        /// buffered bytes.
        var end: End?
        /// The connection's task, waiting for bytes or the end.
        var reader: UnsafeContinuation<Void, Never>?
        /// The reading task was cancelled while it waited.
        var readCancelled = false
        /// The handler held back a `read` of the channel because of ``readLimit``.
        var readHeld = false
        /// Tasks waiting for the channel to become writable, by id.
        var writers: [Int: UnsafeContinuation<Void, any Error>] = [:]
        var nextWriterID = 0
        /// The channel went inactive, or the sending side was closed by ``finishOutput()``.
        var closed = false
        var outputClosed = false
    }

    // MARK: Reading, from the connection's task

    /// Moves every buffered chunk into the empty `taken`, waiting for one if there are none;
    /// `false` at the end of the stream.
    ///
    /// - Throws: the error the channel caught (once, after the bytes read before it), or
    ///   `CancellationError` if the task is cancelled while it waits.
    nonisolated(nonsending) func read(into taken: inout CircularBuffer<ByteBuffer>) async throws -> Bool {
        while true {
            let step: ReadStep = state.withLock { state in
                if !state.chunks.isEmpty {
                    swap(&state.chunks, &taken)
                    state.bufferedBytes = 0
                    defer { state.readHeld = false }
                    return state.readHeld ? .gotAndResumeReading : .got
                }
                switch state.end {
                case .failed(let error):
                    state.end = .eof
                    return .failed(error)
                case .eof: return .eof
                case nil: break
                }
                return state.readCancelled ? .cancelled : .wait
            }
            switch step {
            case .got: return true
            case .gotAndResumeReading:
                channel.read()
                return true
            case .eof: return false
            case .failed(let error): throw error
            case .cancelled: throw CancellationError()
            case .wait: await waitForInput()
            }
        }
    }

    private enum ReadStep {
        case got, gotAndResumeReading, eof, failed(any Error), cancelled, wait
    }

    /// Suspends until bytes arrive, input ends, or ``cancelReads()`` is called.
    ///
    /// No cancellation handler per wait (a record, a lock of the task's status and an allocation
    /// each): whoever owns the connection's task calls ``cancelReads()`` when it is cancelled,
    /// `StreamServer` once for all its connections, `StreamClient` through ``Connection/run(_:)``.
    ///
    /// Not `withUnsafeContinuation`, which switches to the caller's executor before it suspends as
    /// well as after: for a task with an executor preference (a handler on the event loops), each
    /// switch reads the preference under the task's status lock.
    nonisolated(nonsending) private func waitForInput() async {
        await _unsafeInheritExecutor_withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if !state.chunks.isEmpty || state.end != nil || state.readCancelled { return true }
                state.reader = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Makes a waiting read, and every later one, throw `CancellationError`; called when the task
    /// that owns the connection is cancelled.
    func cancelReads() {
        let reader = state.withLock { state in
            state.readCancelled = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Bytes buffered and not yet taken by the connection's task (for tests).
    var bufferedBytes: Int { state.withLock { $0.bufferedBytes } }

    /// Whether the handler is holding back reads of the channel (for tests).
    var isHoldingReads: Bool { state.withLock { $0.readHeld } }

    // MARK: Events, from the handler on the event loop

    /// The handler joined (`context`) or left (`nil`) the pipeline.
    func attach(_ context: ChannelHandlerContext?) {
        handlerContext.value = context
    }

    /// A chunk read from the channel; resumes the waiting reader.
    func received(_ chunk: ByteBuffer) {
        let reader = state.withLock { state in
            state.chunks.append(chunk)
            state.bufferedBytes += chunk.readableBytes
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Whether the channel may read more now; if not, the read is remembered and made once the
    /// connection's task takes the buffered bytes.
    func mayRead() -> Bool {
        state.withLock { state in
            if state.bufferedBytes < Self.readLimit { return true }
            state.readHeld = true
            return false
        }
    }

    /// Input ended: `error` is `nil` for the peer's end of stream. The first end counts.
    func inputEnded(_ error: (any Error)?) {
        let reader = state.withLock { state in
            if state.end == nil { state.end = error.map { .failed($0) } ?? .eof }
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// The channel went inactive: input ends, and waiting writers fail.
    func closed() {
        let (reader, writers) = state.withLock { state in
            if state.end == nil { state.end = .eof }
            state.closed = true
            writesEnded.store(true, ordering: .releasing)
            defer {
                state.reader = nil
                state.writers = [:]
            }
            return (state.reader, state.writers)
        }
        reader?.resume()
        for writer in writers.values { writer.resume(throwing: closedError()) }
    }

    /// The channel's writability changed; resumes waiting writers if it is writable.
    func writabilityChanged() {
        guard channel.isWritable else { return }
        let writers = state.withLock { state in
            defer { state.writers = [:] }
            return state.writers
        }
        for writer in writers.values { writer.resume() }
    }

    // MARK: Writing, from any task

    /// Writes and flushes `buffer`, after waiting while the channel is not writable.
    ///
    /// - Throws: ``NetError/Code/closed`` once the connection or its sending side is closed.
    nonisolated(nonsending) func write(_ buffer: ByteBuffer) async throws {
        try await waitUntilWritable()
        if channel.eventLoop.inEventLoop, let context = handlerContext.value {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Writes `buffers` with one flush, after waiting while the channel is not writable.
    nonisolated(nonsending) func write(contentsOf buffers: [ByteBuffer]) async throws {
        try await waitUntilWritable()
        let channel = self.channel
        if channel.eventLoop.inEventLoop {
            if let context = handlerContext.value {
                for buffer in buffers { context.write(NIOAny(buffer), promise: nil) }
                context.flush()
            } else {
                for buffer in buffers { channel.write(buffer, promise: nil) }
                channel.flush()
            }
        } else {
            channel.eventLoop.execute {
                for buffer in buffers { channel.write(buffer, promise: nil) }
                channel.flush()
            }
        }
    }

    nonisolated(nonsending) private func waitUntilWritable() async throws {
        while true {
            if writesEnded.load(ordering: .acquiring) { throw closedError() }
            if channel.isWritable { return }
            try await waitForWritability()
        }
    }

    /// Suspends until the channel is writable or closed, or the task is cancelled.
    nonisolated(nonsending) private func waitForWritability() async throws {
        let id = state.withLock { state in
            defer { state.nextWriterID += 1 }
            return state.nextWriterID
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                // Checked under the lock: `writabilityChanged()` takes the lock after the channel's
                // writability flipped, so either this sees it writable or that sees this writer.
                let ready = state.withLock { state in
                    if state.closed || state.outputClosed || channel.isWritable || Task.isCancelled { return true }
                    state.writers[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let writer = state.withLock { $0.writers.removeValue(forKey: id) }
            writer?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Closes the sending side once what was written is sent; the peer reads end of stream.
    func finishOutput() {
        let first = state.withLock { state in
            defer {
                state.outputClosed = true
                writesEnded.store(true, ordering: .releasing)
            }
            return !state.outputClosed && !state.closed
        }
        if first { channel.close(mode: .output, promise: nil) }
    }

    /// Closes the sending side, then the channel, and waits until it is closed.
    nonisolated(nonsending) func close() async {
        finishOutput()
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    private func closedError() -> NetError {
        NetError(
            .closed,
            endpoint: channel.remoteAddress.map(Connection.describe) ?? "unknown peer",
            reason: "the connection is closed; nothing more can be written"
        )
    }
}
