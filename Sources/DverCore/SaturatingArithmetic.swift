extension UInt64 {
    /// `self + other`, or `UInt64.max` when that overflows: for totals of sizes read from stored
    /// or received objects, which must never trap whatever they claim.
    @inlinable
    public func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
