/// The retry logic of the zguide's Lazy Pirate client, without sockets or clocks: a request is
/// sent, and each time no reply comes within the timeout the socket is reopened and the request
/// sent again, up to a number of retries, after which the request fails.
///
/// ```swift
/// var pirate = LazyPirate(retries: 2)
/// pirate.timedOut()  // .reopenAndResend(attempt: 2)
/// pirate.timedOut()  // .reopenAndResend(attempt: 3)
/// pirate.timedOut()  // .fail(attempts: 3)
/// ```
struct LazyPirate: Sendable {
    enum Action: Equatable {
        /// Close the socket (a REQ socket is stuck waiting for the lost reply), open a new one,
        /// and send the request again.
        case reopenAndResend(attempt: Int)
        /// Give up: reopen the socket for the next request, and throw.
        case fail(attempts: Int)
    }

    /// Retries after the first attempt.
    let retries: Int
    /// Attempts made so far: the first send counts.
    private(set) var attempts = 1

    init(retries: Int) {
        self.retries = max(0, retries)
    }

    /// No reply came in time.
    mutating func timedOut() -> Action {
        guard attempts <= retries else { return .fail(attempts: attempts) }
        attempts += 1
        return .reopenAndResend(attempt: attempts)
    }
}
