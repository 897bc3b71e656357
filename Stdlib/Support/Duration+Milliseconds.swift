extension Duration {
    /// The duration in whole milliseconds, as the wire protocols carry it.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
