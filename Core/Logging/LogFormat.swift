import Foundation
import Logging

/// How a log line reads; the default is the original Ginkgo's:
/// `2012-04-28 17:21:32,608 INFO service: Starting up!`.
///
/// A template names the parts in braces: `{timestamp}`, `{level}`, `{label}`, `{message}`,
/// `{metadata}` (as `key=value` pairs). Metadata is appended to a template that does not place it.
struct LogFormat: Sendable, Hashable {
    static let `default` = LogFormat(template: "{timestamp} {level} {label}: {message}")

    let template: String

    func line(
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata,
        at date: timespec = Self.now()
    ) -> String {
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var line = template
        line = line.replacingOccurrences(of: "{timestamp}", with: Self.timestamp(date))
        line = line.replacingOccurrences(of: "{level}", with: level.rawValue.uppercased())
        line = line.replacingOccurrences(of: "{label}", with: label)
        if template.contains("{metadata}") {
            line = line.replacingOccurrences(of: "{metadata}", with: pairs)
        } else if !pairs.isEmpty {
            line += " " + pairs
        }
        return line.replacingOccurrences(of: "{message}", with: message)
    }

    static func now() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now
    }

    /// Local time as `2012-04-28 17:21:32,608`.
    static func timestamp(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        let millis = time.tv_nsec / 1_000_000
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d,%03d",
            parts.tm_year + 1900,
            parts.tm_mon + 1,
            parts.tm_mday,
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec,
            millis
        )
    }
}
