/// The waiters a change of a socket made ready, to resume once its lock is released.
///
/// Nearly always none or one: the first is held inline, so that waking one task costs no array.
struct Wakeups: Sendable {
    private var first: UnsafeContinuation<Void, any Error>?
    private var more: [UnsafeContinuation<Void, any Error>] = []

    mutating func append(_ continuation: UnsafeContinuation<Void, any Error>) {
        if first == nil { first = continuation } else { more.append(continuation) }
    }

    /// Resumes them all, oldest first; call outside the socket's lock.
    consuming func resume() {
        first?.resume()
        for continuation in more { continuation.resume() }
    }
}
