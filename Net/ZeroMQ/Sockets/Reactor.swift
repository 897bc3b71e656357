import CZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the `ZMQ_FD` of sockets that have a task waiting, on one thread per ``Context``, and
/// runs the tasks that prefer it as their executor.
///
/// A socket arms its file descriptor (one-shot) only when a send or receive found it not ready;
/// when the descriptor fires, the reactor asks the socket to look at `ZMQ_EVENTS` and resume the
/// tasks whose wait is over. Sockets that keep up never involve this thread. A task running on
/// the reactor (``Context/executor``) is resumed on this very thread, in the same turn of its
/// loop, instead of waking a thread of Swift's pool: one thread hop less per wait.
final class Reactor: TaskExecutor, Sendable {
    private struct State {
        var sockets: [UInt64: WeakSocket] = [:]
        var nextToken: UInt64 = 1
    }

    private struct WeakSocket {
        weak var socket: Socket?
    }

    private struct Jobs {
        var queue: [UnownedJob] = []
        /// The thread is in `epoll_wait` without a timeout, so a new job must wake it.
        var sleeping = false
        /// The thread has ended: jobs go to the global executor.
        var exited = false
    }

    private let jobs = Mutex(Jobs())
    /// What this turn's jobs left for its end: sockets sent on, whose waiters are checked before
    /// the thread waits, and writes gathered during the turn.
    private let endOfTurn = Mutex<[any TurnEndAction]>([])
    private let epoll: Int32
    private let wakeup: Int32
    private let state = Mutex(State())
    private let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let exited = Atomic<Bool>(false)
    /// The thread's `pthread_t`, once it runs.
    private let thread = Atomic<UInt>(0)
    /// Read once per turn: an atomic, not a lock.
    private let running = Atomic<Bool>(true)

    init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wakeup >= 0, "cannot create the ZeroMQ reactor: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 0
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        let thread = Thread { [self] in run() }
        thread.start()
    }

    /// Whether the caller runs on the reactor's thread: a task there prefers this executor. Cheaper
    /// than asking the task for its preference, which the runtime reads under the task's lock.
    var isCurrentThread: Bool { UInt(pthread_self()) == thread.load(ordering: .acquiring) }

    /// Adds a socket's `ZMQ_FD`, not armed yet; returns the token to arm it with.
    func register(_ socket: Socket, fd: Int32) -> UInt64 {
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            state.sockets[state.nextToken] = WeakSocket(socket: socket)
            return state.nextToken
        }
        var event = epoll_event()
        event.events = 0
        event.data.u64 = token
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        return token
    }

    /// Asks for one call of `socket.reactorFired()` once `fd` is readable.
    func arm(fd: Int32, token: UInt64) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLONESHOT.rawValue
        event.data.u64 = token
        epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd`; call before the socket is closed.
    func unregister(fd: Int32, token: UInt64) {
        state.withLock { _ = $0.sockets.removeValue(forKey: token) }
        var event = epoll_event()
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = jobs.withLock { jobs in
            guard !jobs.exited else { return false }
            jobs.queue.append(job)
            if jobs.sleeping {
                jobs.sleeping = false
                Self.signal(wakeup)
            }
            return true
        }
        if !accepted { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Wakes the thread from `epoll_wait`. Under the jobs lock, so that it never writes to the
    /// descriptor after the thread closed it.
    private func signal() {
        jobs.withLock { jobs in
            if !jobs.exited { Self.signal(wakeup) }
        }
    }

    private static func signal(_ descriptor: Int32) {
        var one: UInt64 = 1
        _ = write(descriptor, &one, 8)
    }

    /// Runs the queued jobs, then what they left for the end of the turn; returns whether more
    /// jobs were queued meanwhile. With none, marks the thread as about to sleep under the same
    /// lock, so that it goes straight to a blocking wait (which returns at once for a socket that
    /// fired meanwhile) instead of polling once more first. The queue and `batch` swap buffers:
    /// neither allocates.
    private func runJobs(_ batch: inout [UnownedJob], then actions: inout [any TurnEndAction]) -> Bool {
        jobs.withLock { swap(&$0.queue, &batch) }
        let executor = asUnownedTaskExecutor()
        for job in batch { job.runSynchronously(on: executor) }
        batch.removeAll(keepingCapacity: true)
        runEndOfTurn(&actions)
        return jobs.withLock { jobs in
            if !jobs.queue.isEmpty { return true }
            jobs.sleeping = true
            return false
        }
    }

    /// Has `action` run at the end of this turn, before the thread waits: a socket's check of its
    /// waiters after a send made on this thread, so that the sends of a turn (the calls of 64
    /// callers resumed by one burst of replies, say) cost one check instead of one each; or the
    /// sending of what the turn's jobs held back to send together.
    func atEndOfTurn(_ action: any TurnEndAction) {
        endOfTurn.withLock { $0.append(action) }
    }

    /// Runs what the turn left for its end, and what that leaves in turn.
    private func runEndOfTurn(_ actions: inout [any TurnEndAction]) {
        while true {
            endOfTurn.withLock { swap(&$0, &actions) }
            if actions.isEmpty { return }
            for action in actions { action.turnEnded() }
            actions.removeAll(keepingCapacity: true)
        }
    }

    /// Tells the thread to end, without waiting for it.
    func stopSoon() {
        running.store(false, ordering: .releasing)
        signal()
    }

    /// Ends the thread and waits for it.
    func shutdown() async {
        let wasRunning = running.exchange(false, ordering: .acquiringAndReleasing)
        guard wasRunning else { return }
        await withCheckedContinuation { continuation in
            let done = finished.withLock { waiting in
                if exited.load(ordering: .acquiring) { return true }
                waiting = continuation
                return false
            }
            if done { continuation.resume() }
            signal()
        }
    }

    private func run() {
        ginkgo_name_thread("zmq-reactor")
        thread.store(UInt(pthread_self()), ordering: .releasing)
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var batch: [UnownedJob] = []
        var actions: [any TurnEndAction] = []
        while running.load(ordering: .acquiring) {
            let busy = runJobs(&batch, then: &actions)
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, 64, busy ? 0 : -1) }
            if !busy { jobs.withLock { $0.sleeping = false } }
            if count < 0 { continue }
            for index in 0..<Int(count) {
                let token = events[index].data.u64
                if token == 0 {
                    var value: UInt64 = 0
                    _ = read(wakeup, &value, 8)
                    continue
                }
                let socket = state.withLock { $0.sockets[token]?.socket }
                socket?.reactorFired()
            }
        }
        runEndOfTurn(&actions)
        let left = jobs.withLock { jobs in
            jobs.exited = true
            defer { jobs.queue = [] }
            return jobs.queue
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        close(epoll)
        close(wakeup)
        let waiting = finished.withLock { waiting in
            exited.store(true, ordering: .releasing)
            defer { waiting = nil }
            return waiting
        }
        waiting?.resume()
    }
}

/// Work a job on the reactor thread leaves for the end of its turn, after the turn's other jobs
/// and before the thread waits: a socket's check of its waiters after sends, or writes gathered
/// from many jobs to go out together (``Context/atEndOfTurn(_:)``).
package protocol TurnEndAction: AnyObject, Sendable {
    /// Called once on the reactor thread for each time it was scheduled.
    func turnEnded()
}
