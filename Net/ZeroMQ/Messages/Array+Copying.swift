extension Array where Element == UInt8 {
    /// A copy of `bytes`, made with one `memcpy`. `Array(bytes)` of the raw buffer goes through
    /// the generic copy of a sequence, a byte at a time.
    ///
    /// ```swift
    /// let payload = frames[1]  // an UnsafeRawBufferPointer, valid only for now
    /// let kept = [UInt8](copying: payload)
    /// ```
    @inlinable
    package init(copying bytes: UnsafeRawBufferPointer) {
        self.init(bytes.assumingMemoryBound(to: UInt8.self))
    }
}
