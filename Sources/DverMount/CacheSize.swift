import Foundation

/// Sizes as `--cache-size` takes them: a whole number of bytes with an optional binary unit
/// (K, M, G, T; "G", "GB", "GiB" all mean 2^30), e.g. `512M`, `20G`.
public enum CacheSize {
    /// The default object cache limit: 10 GiB.
    public static let defaultLimit: UInt64 = 10 << 30

    /// - Throws: `MountError.invalidCacheSize` for anything else, a size that overflows, or one
    ///   below `ObjectCache.minimumLimit`.
    public static func parse(_ text: String) throws -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        var unit = trimmed.dropFirst(digits.count).uppercased()
        for suffix in ["IB", "B"] where unit.hasSuffix(suffix) {
            unit = String(unit.dropLast(suffix.count))
            break
        }
        let shifts: [String: UInt64] = ["": 0, "K": 10, "M": 20, "G": 30, "T": 40]
        guard !digits.isEmpty, let value = UInt64(digits), let shift = shifts[unit] else {
            throw MountError.invalidCacheSize(text)
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow, bytes >= ObjectCache.minimumLimit else { throw MountError.invalidCacheSize(text) }
        return bytes
    }
}
