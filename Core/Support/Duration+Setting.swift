import Foundation

extension Duration {
    /// Parses a duration as written in configuration: a number followed by a unit — `ns`, `us`,
    /// `ms`, `s`, `m`, `h` — such as `250ms`, `2s`, `1.5m`; a bare number is seconds.
    public init?(settingString text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        self = .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }

    /// The duration in the shortest unit that writes it without a fraction: `250ms`, `2s`, `1m`.
    public var settingDescription: String {
        let nanoseconds = components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
        let units: [(suffix: String, nanoseconds: Int64)] = [
            ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
            ("us", 1_000),
        ]
        for unit in units where nanoseconds != 0 && nanoseconds % unit.nanoseconds == 0 {
            return "\(nanoseconds / unit.nanoseconds)\(unit.suffix)"
        }
        return nanoseconds == 0 ? "0s" : "\(nanoseconds)ns"
    }
}
