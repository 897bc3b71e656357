/// A call's id as a dictionary key, hashed by one multiplication.
///
/// The client hands ids out in sequence and nobody else chooses them, so SipHash's protection
/// against chosen keys buys nothing here, and it cost two hashes per call (adding the call and
/// finding it when its answer comes), 260 instructions. One multiplication by an odd number
/// does: it maps the low bits (those that pick the bucket) one to one, so the ids in flight at
/// once, which are nearly consecutive, land in distinct buckets, and spread apart, so that a
/// removal finds the end of its run at once (as itself, they filled one long run that each
/// removal walked). `_rawHashValue(seed:)` is `Hashable`'s own hook for a type that hashes
/// faster than through `Hasher`: underscored, but part of the protocol's public interface.
struct CallID: Hashable {
    let raw: UInt64

    init(_ raw: UInt64) { self.raw = raw }

    func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    func _rawHashValue(seed: Int) -> Int { Int(truncatingIfNeeded: raw &* 0x9E37_79B9_7F4A_7C15) ^ seed }
}
